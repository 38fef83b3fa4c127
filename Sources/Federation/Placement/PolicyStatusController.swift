import FederationAPI
import KubeAPI
import KubeClient
import Logging
import Reconcile

/// One policy object: which of the four kinds, and its key.
struct PolicyKey: Hashable, Sendable {
    var type: ResourceType
    var key: ObjectKey
}

/// Keeps each policy's status: the objects it governs (a propagation policy: those it
/// wins; an override policy: those it selects) with their per-cluster results from the
/// objects' placement records, and cluster names it mentions that no Cluster has.
struct PolicyStatusController: Reconciler {
    let federation: KubeClient
    let registry: PropagatedTypeRegistry
    let policies: PolicyInformers
    let clusters: Informer

    struct Handle: Sendable {
        let controller: Controller<PolicyStatusController>
        let requeueAll: @Sendable () -> Void
        /// A federated object changed: every policy's status may follow.
        func objectChanged() { requeueAll() }
    }

    static func make(
        federation: KubeClient, registry: PropagatedTypeRegistry, policies: PolicyInformers, clusters: Informer, logger: Logger
    ) -> Handle {
        let reconciler = PolicyStatusController(federation: federation, registry: registry, policies: policies, clusters: clusters)
        let queue = WorkQueue<PolicyKey>()
        let controller = Controller(
            name: "policy-status", reconciler: reconciler, queue: queue, informers: policies.all + [clusters], workers: 1, logger: logger)
        let pairs: [(ResourceType, Informer)] = [
            (.propagationPolicies, policies.propagation), (.clusterPropagationPolicies, policies.clusterPropagation),
            (.overridePolicies, policies.override), (.clusterOverridePolicies, policies.clusterOverride),
        ]
        let known = AllKeys<PolicyKey>()
        for (type, informer) in pairs {
            informer.addHandler { event in
                let key = PolicyKey(type: type, key: ObjectKey(event.object))
                if case .deleted = event { known.remove(key) } else { known.insert(key) }
                if case .updated(let old, let new) = event, old["spec"] == new["spec"] { return }
                queue.add(key)
            }
        }
        // Coalesced: the queue holds each key once, and the delay gathers bursts.
        let requeueAll: @Sendable () -> Void = { known.forEach { queue.add($0, after: .milliseconds(300)) } }
        clusters.addHandler { event in
            if case .updated = event { return }
            requeueAll()
        }
        return Handle(controller: controller, requeueAll: requeueAll)
    }

    func reconcile(_ policyKey: PolicyKey, logger: Logger) async throws -> ReconcileResult {
        let informer: Informer
        switch policyKey.type {
        case .propagationPolicies: informer = policies.propagation
        case .clusterPropagationPolicies: informer = policies.clusterPropagation
        case .overridePolicies: informer = policies.override
        default: informer = policies.clusterOverride
        }
        guard let object = await informer.get(namespace: policyKey.key.namespace, name: policyKey.key.name) else { return .done }
        let isPropagation = policyKey.type == .propagationPolicies || policyKey.type == .clusterPropagationPolicies
        let (namespaced, cluster) = await policies.propagationPolicies()
        var matched: [JSONValue] = []
        for type in registry.types.sorted(by: { $0.qualifiedResource < $1.qualifiedResource }) {
            guard let objects = await registry.informer(for: type)?.list() else { continue }
            for federated in objects.sorted(by: { ObjectKey($0) < ObjectKey($1) }) {
                let governs: Bool
                if isPropagation {
                    let winner = PolicyMatching.propagationPolicy(for: type, object: federated, namespaced: namespaced, cluster: cluster)
                    governs = winner.map { $0.name == policyKey.key.name && ($0.namespace ?? "") == policyKey.key.namespace } ?? false
                } else {
                    let policy = OverridePolicy(object: object)
                    let sameNamespace = policy.namespace == nil || policy.namespace == federated["metadata"]["namespace"].stringValue
                    governs = sameNamespace && PolicyMatching.selects(policy.resourceSelectors, type: type, object: federated)
                }
                guard governs else { continue }
                var entry: JSONValue = [
                    "apiVersion": .string(type.apiVersion), "kind": .string(type.kind), "name": federated["metadata"]["name"],
                ]
                if type.namespaced { entry["namespace"] = federated["metadata"]["namespace"] }
                if let record = PlacementRecord(annotationOf: federated) {
                    entry["clusters"] = record.json["clusters"]
                    if let error = record.error { entry["error"] = .string(error) }
                }
                matched.append(entry)
            }
        }
        let known = Set(await clusters.list().compactMap { $0["metadata"]["name"].stringValue })
        let unknown = Self.mentionedClusters(object["spec"]).filter { !known.contains($0) }.sorted()
        var status: JSONValue = ["matchedCount": .int(Int64(matched.count)), "matched": .array(matched)]
        if !unknown.isEmpty { status["unknownClusters"] = .array(unknown.map(JSONValue.string)) }
        status["observedGeneration"] = object["metadata"]["generation"]
        guard status != object["status"] else { return .done }
        var updated = object
        updated["status"] = status
        updated["metadata"]["resourceVersion"] = .null
        do {
            _ = try await federation.update(policyKey.type, updated, subresource: "status")
        } catch {
            if !error.isNotFound { throw error }
        }
        return .done
    }

    /// Every cluster name a policy spec names.
    static func mentionedClusters(_ spec: JSONValue) -> Set<String> {
        var names = Set<String>()
        let placement = spec["placement"]
        for list in [placement["clusterNames"], placement["excludeClusters"]] {
            names.formUnion((list.arrayValue ?? []).compactMap(\.stringValue))
        }
        names.formUnion((spec["replicas"]["weights"].arrayValue ?? []).compactMap { $0["cluster"].stringValue })
        for rule in spec["rules"].arrayValue ?? [] {
            names.formUnion((rule["clusters"]["names"].arrayValue ?? []).compactMap(\.stringValue))
        }
        return names
    }
}
