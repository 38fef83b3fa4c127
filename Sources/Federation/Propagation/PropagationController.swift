import FederationAPI
import Foundation
import KubeAPI
import KubeClient
import Logging
import Metrics
import Reconcile
import ServiceLifecycle
import Synchronization

/// One federated object: its type and key.
public struct FederatedKey: Hashable, Sendable, CustomStringConvertible {
    public var type: ResourceType
    public var key: ObjectKey
    public var description: String { "\(type)/\(key)" }
}

/// Propagates federated objects to every Ready member by server-side apply (field
/// manager `meridian`, so fields member-side controllers own are left alone), divides
/// replicas, never touches member objects Meridian did not create (a clash is an Event),
/// deletes member copies before letting a federated object go (finalizer), and sums
/// member status back into the federated object.
public struct PropagationController: Reconciler {
    let federation: KubeClient
    let federationName: String
    let registry: PropagatedTypeRegistry
    let clusters: Informer
    let secrets: Informer
    let members: MemberClients
    let events: EventRecorder
    let watches: MemberWatches
    let ledger = PropagationLedger()
    let pending: PendingChanges
    let customAccess: CustomResourceAccess
    /// From a change noticed in the federation to its copy applied in every Ready member.
    let latency = Timer(label: "meridian_propagation_latency_seconds", preferredDisplayUnit: .seconds)

    public static func make(
        federation: KubeClient, federationName: String, informers shared: SharedInformers, members: MemberClients,
        denylist: Set<String> = [], logger: Logger,
        onMemberChange: @escaping @Sendable (_ cluster: String, _ type: ResourceType, _ event: InformerEvent) -> Void = { _, _, _ in }
    ) -> [any Service] {
        let types = PropagatedTypes.propagated(excluding: denylist)
        let registry = PropagatedTypeRegistry()
        for type in types { registry.add(type, shared.informer(for: type)) }
        let queue = WorkQueue<FederatedKey>()
        // A member copy that changes (drift, deletion, or its status) brings its federated object back.
        let watches = MemberWatches(types: types, logger: logger) { cluster, type, event in
            queue.add(FederatedKey(type: type, key: ObjectKey(event.object)))
            onMemberChange(cluster, type, event)
        }
        let reconciler = PropagationController(
            federation: federation, federationName: federationName, registry: registry, clusters: shared.informer(for: .clusters),
            secrets: shared.informer(for: .secrets), members: members,
            events: EventRecorder(client: federation, component: "meridian-propagation", logger: logger), watches: watches,
            pending: PendingChanges(), customAccess: CustomResourceAccess(federationName: federationName))
        let controller = Controller(
            name: "propagation", reconciler: reconciler, queue: queue,
            informers: types.compactMap(registry.informer(for:)) + [reconciler.clusters, reconciler.secrets], workers: 4,
            logger: logger)
        let all = AllKeys()
        let attach: @Sendable (ResourceType, Informer) -> Void = { type, informer in
            informer.addHandler { event in
                let key = FederatedKey(type: type, key: ObjectKey(event.object))
                if case .deleted = event { all.remove(key) } else { all.insert(key) }
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
            if case .updated(let old, let new) = event, old["status"]["state"] == new["status"]["state"], old["spec"] == new["spec"] {
                return
            }
            all.forEach(queue.add)
        }
        return [controller, watches, customTypes]
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
        return a == b
    }

    public func reconcile(_ federated: FederatedKey, logger: Logger) async throws -> ReconcileResult {
        let type = federated.type
        guard let informer = registry.informer(for: type) else { return .done }
        // A custom resource's informer may still be listing: absent is not yet gone.
        guard await informer.hasSynced else { return .requeue(after: .milliseconds(500)) }
        let ready = await clusters.list().map(Cluster.init(object:)).filter(\.isReady).sorted { $0.name < $1.name }
        guard let object = await informer.get(namespace: federated.key.namespace, name: federated.key.name) else {
            // Gone from the federation: a copy left in a member (deleted while the member was
            // Offline, or while no controller ran) goes too.
            try await deleteCopies(federated, from: ready)
            pending.clear(federated)
            return .done
        }
        let finalizers = (object["metadata"]["finalizers"].arrayValue ?? []).compactMap(\.stringValue)
        // Deletion first, even of an object that stopped qualifying after it got our finalizer.
        if !object["metadata"]["deletionTimestamp"].isNull {
            guard finalizers.contains(Federation.propagationFinalizer) else { return .done }
            try await deleteCopies(federated, from: ready)
            try await setFinalizers(federated, object, finalizers.filter { $0 != Federation.propagationFinalizer })
            return .done
        }
        guard PropagatedTypes.isPropagated(type, object) else { return .done }
        if !finalizers.contains(Federation.propagationFinalizer) {
            try await setFinalizers(federated, object, finalizers + [Federation.propagationFinalizer])
            return .done  // the update comes back as an event
        }
        let shares = PropagatedTypes.replicaField[type].map { field in
            PropagatedTypes.divide(object["spec"][field].intValue ?? 1, among: ready.map(\.name))
        }
        var copies: [String: JSONValue] = [:]
        var failure: (any Error)?
        for cluster in ready {
            do {
                if let applied = try await propagate(federated, object, to: cluster, replicas: shares?[cluster.name]) {
                    copies[cluster.name] = applied
                }
            } catch {
                logger.debug("propagation failed", metadata: ["meridian.cluster": "\(cluster.name)", "error": "\(error)"])
                failure = failure ?? error
            }
        }
        try await StatusAggregation.update(federation, type: type, object: object, copies: copies)
        if let failure { throw failure }
        if !ready.isEmpty, let since = pending.take(federated) { latency.recordNanoseconds((ContinuousClock.now - since).nanoseconds) }
        return .done
    }

    /// Applies the member copy; nil when the member has a same-named object Meridian did not create.
    private func propagate(_ federated: FederatedKey, _ object: JSONValue, to cluster: Cluster, replicas: Int64?) async throws -> JSONValue?
    {
        let secret = await cluster.secretName.asyncMap { await secrets.get(namespace: Federation.systemNamespace, name: $0) }
        let member = try await members.client(for: cluster, secret: secret.map(Secret.init(object:)))
        watches.ensure(cluster: cluster.name, client: member)
        let type = federated.type
        let namespace = type.namespaced ? federated.key.namespace : nil
        if !PropagatedTypes.all.contains(type) {
            let custom = Set(registry.types.filter { !PropagatedTypes.all.contains($0) })
            try await customAccess.ensure(cluster: cluster.name, member: member, types: custom)
        }
        if let namespace { try await ensureNamespace(namespace, in: member) }
        let existing = try await member.getIfExists(type, namespace: namespace, name: federated.key.name)
        if let existing, !isOurs(existing) {
            await events.record(
                object, type: .warning, reason: "NameClash",
                message: "cluster \(cluster.name) has a \(type.kind) \(federated.key) that Meridian did not create; it is left alone")
            return nil
        }
        let copy = PropagatedTypes.memberCopy(type, object, federation: federationName, replicas: replicas)
        let seenBefore = await ledger.contains(cluster.name, federated)
        let drifted = existing.map { Drift.paths(desired: copy, actual: $0) } ?? []
        let applied = try await member.apply(type, copy, fieldManager: "meridian", force: true)
        await ledger.record(cluster.name, federated)
        // The copy may have been deleted between the read and the apply: a new uid says so.
        let recreated = existing.map { $0["metadata"]["uid"] != applied["metadata"]["uid"] } ?? true
        if recreated {
            if seenBefore {
                await events.record(
                    object, type: .warning, reason: "DriftReverted", message: "cluster \(cluster.name): the copy was deleted; recreated")
            } else {
                await events.record(object, reason: "Propagated", message: "created in cluster \(cluster.name)")
            }
        } else if !drifted.isEmpty {
            await events.record(
                object, type: .warning, reason: "DriftReverted",
                message: "cluster \(cluster.name): \(drifted.joined(separator: ", ")) changed in the member; reverted")
        }
        return applied
    }

    /// A member object this federation made (another federation's copy is not ours either).
    private func isOurs(_ object: JSONValue) -> Bool {
        object["metadata"]["labels"][Federation.managedLabel].stringValue == "true"
            && (object["metadata"]["annotations"][Federation.federationAnnotation].stringValue ?? federationName) == federationName
    }

    private func ensureNamespace(_ name: String, in member: KubeClient) async throws {
        if try await member.getIfExists(.namespaces, name: name) != nil { return }
        var namespace: JSONValue = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]
        namespace["metadata"]["labels"][Federation.managedLabel] = "true"
        namespace["metadata"]["annotations"][Federation.federationAnnotation] = .string(federationName)
        do {
            _ = try await member.create(.namespaces, namespace)
        } catch {
            if !error.isAlreadyExists { throw error }
        }
    }

    private func deleteCopies(_ federated: FederatedKey, from clusters: [Cluster]) async throws {
        let type = federated.type
        let namespace = type.namespaced ? federated.key.namespace : nil
        for cluster in clusters {
            await ledger.forget(cluster.name, federated)
            let secret = await cluster.secretName.asyncMap { await secrets.get(namespace: Federation.systemNamespace, name: $0) }
            let member = try await members.client(for: cluster, secret: secret.map(Secret.init(object:)))
            guard let copy = try await member.getIfExists(type, namespace: namespace, name: federated.key.name), isOurs(copy) else {
                continue
            }
            try await member.deleteIfExists(
                type, namespace: namespace, name: federated.key.name,
                options: DeleteOptions(preconditionUID: copy["metadata"]["uid"].stringValue))
        }
    }

    private func setFinalizers(_ federated: FederatedKey, _ object: JSONValue, _ finalizers: [String]) async throws {
        let patch: JSONValue = [
            "metadata": [
                "finalizers": finalizers.isEmpty ? .null : .array(finalizers.map(JSONValue.string)),
                "resourceVersion": object["metadata"]["resourceVersion"],
            ]
        ]
        do {
            _ = try await federation.patch(
                federated.type, namespace: federated.type.namespaced ? federated.key.namespace : nil, name: federated.key.name, patch,
                as: .merge)
        } catch {
            if !error.isNotFound { throw error }
        }
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
final class AllKeys: Sendable {
    private let keys = Mutex<Set<FederatedKey>>([])
    func insert(_ key: FederatedKey) { _ = keys.withLock { $0.insert(key) } }
    func remove(_ key: FederatedKey) { _ = keys.withLock { $0.remove(key) } }
    func forEach(_ body: (FederatedKey) -> Void) {
        for key in keys.withLock({ $0 }) { body(key) }
    }
}
