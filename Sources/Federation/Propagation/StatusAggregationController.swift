import FederationAPI
import KubeAPI
import KubeClient
import Logging
import Reconcile

/// Keeps a federated object's aggregated status current when only its copies' status
/// changed in the members (pods starting, a rollout progressing): the sum is recomputed
/// from the member watch caches, with no schedule, no read of a member and no apply. The
/// propagation controller still aggregates after every pass of its own; this one takes
/// the status churn off it, and its queue coalesces a burst of changes of one object into
/// one write (`delay`).
struct StatusAggregationController: Reconciler {
    let federation: KubeClient
    let registry: PropagatedTypeRegistry
    let clusters: Informer
    let watches: MemberWatches
    /// Objects the full pass must look at again (a scale-down waiting for readiness).
    let propagation: WorkQueue<FederatedKey>

    /// How long a status change waits for others of the same object before the write.
    static let delay: Duration = .milliseconds(200)

    func reconcile(_ federated: FederatedKey, logger: Logger) async throws -> ReconcileResult {
        let type = federated.type
        guard StatusAggregation.aggregates(type), let informer = registry.informer(for: type),
            let object = await informer.get(namespace: federated.key.namespace, name: federated.key.name),
            object["metadata"]["deletionTimestamp"].isNull
        else { return .done }
        let record = PlacementRecord(annotationOf: object)
        // A shrink held for readiness elsewhere is the full pass's to release.
        if let record, record.clusters.contains(where: { $0.state == "ScalingDown" }) {
            propagation.add(federated)
        }
        let all = await clusters.list().map(Cluster.init(object:))
        let ready = all.filter(\.isReady).map(\.name)
        // Without a record every Ready member holds a copy (default placement); with one,
        // the members it placed a copy on.
        let holding: Set<String>? = record.map { record in
            Set(record.clusters.filter { ["Scheduled", "ScalingDown", "Drifted", "HandsOff"].contains($0.state) }.map(\.name))
        }
        var copies: [String: JSONValue] = [:]
        for name in ready where holding?.contains(name) ?? true {
            switch await watches.cachedCopy(cluster: name, type: type, key: federated.key) {
            case .none:
                // No complete picture of that member yet: the full pass reads it.
                propagation.add(federated)
                return .done
            case .some(.none): continue
            case .some(.some(let copy)): copies[name] = copy
            }
        }
        try await StatusAggregation.update(federation, type: type, object: object, copies: copies)
        // A member's load balancer getting (or losing) its address is a status change too.
        try await StatusAggregation.persistMemberIngress(
            federation, type: type, object: object, copies: copies, unreachable: Set(all.filter { !$0.isReady }.map(\.name)))
        return .done
    }
}
