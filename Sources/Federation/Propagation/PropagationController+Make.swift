import FederationAPI
import Foundation
import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle
import Synchronization

extension PropagationController {
    public static func make(
        federation: KubeClient, federationName: String, informers shared: SharedInformers, members: MemberClients,
        denylist: Set<String> = [], logger: Logger,
        onMemberChange: @escaping @Sendable (_ cluster: String, _ type: ResourceType, _ event: InformerEvent) -> Void = { _, _, _ in }
    ) -> [any Service] {
        let types = PropagatedTypes.propagated(excluding: denylist)
        let registry = PropagatedTypeRegistry()
        for type in types { registry.add(type, shared.informer(for: type)) }
        let queue = WorkQueue<FederatedKey>()
        let statusQueue = WorkQueue<FederatedKey>()
        let ledger = PropagationLedger()
        // A member copy that changes (drift, deletion) brings its federated object back; a
        // change of its status alone only refreshes the federated status, and so does the
        // echo of Meridian's own apply (at 100 members, one pass per echo was 100 passes per
        // object).
        let watches = MemberWatches(types: types, logger: logger) { cluster, type, event in
            let key = FederatedKey(type: type, key: ObjectKey(event.object))
            if Self.isStatusOnly(event, cluster: cluster, key: key, ledger: ledger) {
                statusQueue.add(key, after: StatusAggregationController.delay)
            } else {
                queue.add(key)
            }
            onMemberChange(cluster, type, event)
        }
        let reconciler = PropagationController(
            federation: federation, federationName: federationName, registry: registry, clusters: shared.informer(for: .clusters),
            secrets: shared.informer(for: .secrets), members: members,
            events: EventRecorder(client: federation, component: "meridian-propagation", logger: logger), watches: watches,
            ledger: ledger, pending: PendingChanges(), customAccess: CustomResourceAccess(federationName: federationName),
            policies: PolicyInformers(shared), driftReports: DriftReports())
        let controller = Controller(
            name: "propagation", reconciler: reconciler, queue: queue,
            informers: types.compactMap(registry.informer(for:)) + [reconciler.clusters, reconciler.secrets]
                + reconciler.policies.all, workers: 16,
            logger: logger)
        let statusController = Controller(
            name: "status-aggregation",
            reconciler: StatusAggregationController(
                federation: federation, registry: registry, clusters: reconciler.clusters, watches: watches, propagation: queue),
            queue: statusQueue, informers: [reconciler.clusters], workers: 2, logger: logger)
        let all = AllKeys<FederatedKey>()
        let policyStatus = PolicyStatusController.make(
            federation: federation, registry: registry, policies: reconciler.policies, clusters: reconciler.clusters, logger: logger)
        // A policy change may move every object; policy status follows every object.
        for informer in reconciler.policies.all {
            informer.addHandler { event in
                if case .updated(let old, let new) = event, old["spec"] == new["spec"] { return }
                all.forEach(queue.add)
            }
        }
        let attach: @Sendable (ResourceType, Informer) -> Void = { type, informer in
            informer.addHandler { event in
                let key = FederatedKey(type: type, key: ObjectKey(event.object))
                if case .deleted = event { all.remove(key) } else { all.insert(key) }
                // Policy status lists objects and their placement: other changes do not matter to it.
                if Self.changesPolicyStatus(event) { policyStatus.objectChanged() }
                // Our own status writes come back as events: nothing to propagate then.
                if case .updated(let old, let new) = event, Self.sameIntent(old, new) { return }
                reconciler.pending.mark(key)
                queue.add(key)
            }
        }
        for type in types { attach(type, registry.informer(for: type)!) }
        let (crdChanges, crdContinuation) = AsyncStream<InformerEvent>.makeStream()
        shared.informer(for: .customResourceDefinitions).addHandler { crdContinuation.yield($0) }
        let customTypes = CustomResourceTypes(
            federation: federation, registry: registry, denylist: denylist, watches: watches, attach: attach, changes: crdChanges,
            logger: logger)
        // New credentials for a member (a re-join) mean new clients: re-propagate, which also
        // moves the member's watches to the new client.
        reconciler.secrets.addHandler { event in
            guard case .updated(let old, let new) = event, new["metadata"]["namespace"].stringValue == Federation.systemNamespace,
                old["data"] != new["data"]
            else { return }
            all.forEach(queue.add)
        }
        // A member becoming Ready (or joining, or leaving) changes where everything goes.
        reconciler.clusters.addHandler { event in
            if case .deleted(let cluster) = event, let name = cluster["metadata"]["name"].stringValue { watches.stop(cluster: name) }
            // Back from Offline: what it still holds may have been deleted in the federation meanwhile.
            if case .updated(let old, let new) = event, new["status"]["state"] == "Ready", old["status"]["state"] != "Ready",
                let name = new["metadata"]["name"].stringValue
            {
                Task {
                    for (type, key) in await watches.cachedKeys(cluster: name) { queue.add(FederatedKey(type: type, key: key)) }
                }
            }
            if case .updated(let old, let new) = event, old["status"]["state"] == new["status"]["state"], old["spec"] == new["spec"],
                old["metadata"]["labels"] == new["metadata"]["labels"]
            {
                return
            }
            all.forEach(queue.add)
        }
        return [controller, statusController, watches, customTypes, policyStatus.controller]
    }

    static func changesPolicyStatus(_ event: InformerEvent) -> Bool {
        guard case .updated(let old, let new) = event else { return true }
        let placement = Federation.placementAnnotation
        return old["metadata"]["labels"] != new["metadata"]["labels"]
            || old["metadata"]["annotations"][placement] != new["metadata"]["annotations"][placement]
    }

    /// Whether a member copy's event asks for no more than a status refresh: its status
    /// alone changed, or it is the copy Meridian's last apply there wrote.
    static func isStatusOnly(_ event: InformerEvent, cluster: String, key: FederatedKey, ledger: PropagationLedger) -> Bool {
        switch event {
        case .added(let copy):
            return ledger.isOwnWrite(cluster, key, resourceVersion: copy["metadata"]["resourceVersion"].stringValue)
        case .updated(let old, let new):
            return sameIntent(old, new)
                || ledger.isOwnWrite(cluster, key, resourceVersion: new["metadata"]["resourceVersion"].stringValue)
        case .deleted:
            return false
        }
    }

    static func sameIntent(_ old: JSONValue, _ new: JSONValue) -> Bool {
        var a = old
        var b = new
        a["status"] = .null
        b["status"] = .null
        a["metadata"]["resourceVersion"] = .null
        b["metadata"]["resourceVersion"] = .null
        a["metadata"]["managedFields"] = .null
        b["metadata"]["managedFields"] = .null
        // The placement record is the controller's own write.
        a["metadata"]["annotations"][Federation.placementAnnotation] = .null
        b["metadata"]["annotations"][Federation.placementAnnotation] = .null
        // So is the member ingress kept for DNS.
        a["metadata"]["annotations"][MemberIngress.annotation] = .null
        b["metadata"]["annotations"][MemberIngress.annotation] = .null
        return a == b
    }
}

/// When each federated object's latest unpropagated change was noticed.
final class PendingChanges: Sendable {
    private let since = Mutex<[FederatedKey: ContinuousClock.Instant]>([:])
    /// Keeps the first notice: the latency counts from the oldest change not yet out.
    func mark(_ key: FederatedKey) { since.withLock { if $0[key] == nil { $0[key] = .now } } }
    func take(_ key: FederatedKey) -> ContinuousClock.Instant? { since.withLock { $0.removeValue(forKey: key) } }
    func clear(_ key: FederatedKey) { _ = take(key) }
}

/// Every federated key seen, so a change of members can requeue them all from a
/// synchronous informer handler.
final class AllKeys<Key: Hashable & Sendable>: Sendable {
    private let keys = Mutex<Set<Key>>([])
    func insert(_ key: Key) { _ = keys.withLock { $0.insert(key) } }
    func remove(_ key: Key) { _ = keys.withLock { $0.remove(key) } }
    func forEach(_ body: (Key) -> Void) {
        for key in keys.withLock({ $0 }) { body(key) }
    }
}
