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

/// Propagates federated objects to the members their policy places them on (without a
/// policy: every Ready member) by server-side apply (field manager `meridian`, so fields
/// member-side controllers own are left alone), divides replicas, applies overrides,
/// honours drift modes and hands-off copies, fails replicas over from Offline members,
/// never touches member objects Meridian did not create (a clash is an Event),
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
    let ledger: PropagationLedger
    let knownNamespaces = KnownNamespaces()
    let pending: PendingChanges
    let customAccess: CustomResourceAccess
    let policies: PolicyInformers
    let driftReports: DriftReports
    /// From a change noticed in the federation to its copy applied in every Ready member.
    let latency = Timer(label: "meridian_propagation_latency_seconds", preferredDisplayUnit: .seconds)

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
        let plan = await schedule(federated, object)
        if let error = plan.output.error {
            try await scheduleFailed(federated, object, plan: plan, error: error)
            return .done
        }
        var record = PlacementRecord(policy: plan.policy?.reference, excluded: plan.output.excluded, failedOver: plan.output.failedOver)
        record.unschedulable = plan.output.unschedulable
        let byName = Dictionary(uniqueKeysWithValues: plan.clusters.map { ($0.name, $0) })
        var failure: (any Error)?
        // Read every reachable selected member's copy first: the replica move is staged on them.
        var readyNames: [String] = []
        // Members whose copy cannot be read or written now (selected or not: without a
        // policy an Offline member is not selected): their last known state stands.
        var unreachable = Set(plan.clusters.filter { !$0.isReady }.map(\.name))
        for name in plan.output.selected {
            guard let cluster = byName[name] else { continue }
            guard cluster.isReady else {
                let failedOver = plan.output.failedOver.contains(name)
                record.clusters.append(
                    .init(
                        name: name, replicas: plan.output.replicas[name], state: failedOver ? "FailedOver" : "Offline",
                        message: "unreachable: its copy is left as it is until it returns"))
                continue
            }
            readyNames.append(name)
        }
        // Members are independent: reads and applies go out to all of them at once.
        let reads = await Self.forEach(readyNames) { name in
            let cluster = byName[name]!
            let member = try await memberClient(cluster)
            return (cluster, member, try await readCopy(federated, in: cluster, member: member))
        }
        var reachable: [(cluster: Cluster, member: KubeClient, existing: JSONValue?)] = []
        for (name, result) in reads {
            switch result {
            case .success(let read): reachable.append(read)
            case .failure(let error):
                record.clusters.append(.init(name: name, replicas: plan.output.replicas[name], state: "Failed", message: "\(error)"))
                unreachable.insert(name)
                failure = failure ?? error
            }
        }
        let staged = stage(plan, copies: reachable.map { ($0.cluster.name, $0.existing) })
        var copies: [String: JSONValue] = [:]
        let byReachable = Dictionary(uniqueKeysWithValues: reachable.map { ($0.cluster.name, $0) })
        let outcomes = await Self.forEach(reachable.map(\.cluster.name)) { name in
            let (cluster, member, existing) = byReachable[name]!
            return try await propagate(
                federated, object, to: cluster, member: member, existing: existing,
                share: .init(replicas: staged.apply[cluster.name], completions: plan.completions?[cluster.name]),
                overrides: plan.overrides, candidate: ClusterCandidate(cluster))
        }
        var created: [String] = []
        var lookAgain = false
        for (name, result) in outcomes {
            switch result {
            case .success(let outcome):
                if let applied = outcome.copy { copies[name] = applied }
                if outcome.created { created.append(name) }
                lookAgain = lookAgain || outcome.lookAgain
                var entry = outcome.entry
                entry.replicas = plan.output.replicas[name]
                if staged.holding.contains(name), entry.state == "Scheduled" {
                    entry.state = "ScalingDown"
                    entry.message = "keeps \(staged.apply[name] ?? 0) until the replicas moving elsewhere are ready"
                }
                record.clusters.append(entry)
            case .failure(let error):
                logger.debug("propagation failed", metadata: ["meridian.cluster": "\(name)", "error": "\(error)"])
                unreachable.insert(name)
                record.clusters.append(.init(name: name, replicas: plan.output.replicas[name], state: "Failed", message: "\(error)"))
                failure = failure ?? error
            }
        }
        if !created.isEmpty {
            // One Event for the pass, not one per member: at 100 members that is 100 writes.
            let clusters = created.count == 1 ? "cluster \(created[0])" : "clusters \(created.joined(separator: ", "))"
            await events.record(object, reason: "Propagated", message: "created in \(clusters)")
        }
        // A Ready member the policy no longer selects loses its copy (never an unreachable one).
        if plan.policy != nil || plan.previous != nil {
            let unselected = plan.clusters.filter { $0.isReady && !plan.output.selected.contains($0.name) }
            do {
                try await deleteCopies(federated, from: unselected)
            } catch {
                failure = failure ?? error
            }
        }
        try await StatusAggregation.update(federation, type: type, object: object, copies: copies)
        try await StatusAggregation.persistMemberIngress(
            federation, type: type, object: object, copies: copies, unreachable: unreachable)
        try await publish(federated, object, plan: plan, record: record)
        if let failure { throw failure }
        if !plan.output.selected.isEmpty, let since = pending.take(federated) {
            latency.recordNanoseconds((ContinuousClock.now - since).nanoseconds)
        }
        // A member change may have been taken for the echo of an apply: see it again.
        if lookAgain { return .requeue(after: .milliseconds(100)) }
        // Member status changes requeue too (member watches); this is the safety net.
        if !staged.holding.isEmpty { return .requeue(after: .seconds(2)) }
        if let recheck = plan.output.recheckAfter { return .requeue(after: .milliseconds(Int64(max(recheck, 0.1) * 1000) + 100)) }
        return .done
    }

    /// Runs `body` for every name, at most `fanOut` at a time, and returns the results in
    /// the names' order.
    static func forEach<T: Sendable>(
        _ names: [String], fanOut: Int = 16, _ body: @escaping @Sendable (String) async throws -> T
    ) async -> [(String, Result<T, any Error>)] {
        await withTaskGroup(of: (Int, Result<T, any Error>).self) { group in
            var results = [Result<T, any Error>?](repeating: nil, count: names.count)
            var next = 0
            func start() {
                let index = next
                next += 1
                group.addTask {
                    do {
                        return (index, .success(try await body(names[index])))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            while next < min(fanOut, names.count) { start() }
            for await (index, result) in group {
                results[index] = result
                if next < names.count { start() }
            }
            return zip(names, results).map { ($0, $1!) }
        }
    }

    private func setFinalizers(_ federated: FederatedKey, _ object: JSONValue, _ finalizers: [String]) async throws {
        let patch: JSONValue = [
            "metadata": [
                "finalizers": finalizers.isEmpty ? .null : .array(finalizers.map(JSONValue.string)),
                "resourceVersion": object["metadata"]["resourceVersion"],
            ]
        ]
        try await patchFederated(federated, patch)
    }

    /// A merge patch of the federated object; gone is fine.
    func patchFederated(_ federated: FederatedKey, _ patch: JSONValue) async throws {
        do {
            _ = try await federation.patch(
                federated.type, namespace: federated.type.namespaced ? federated.key.namespace : nil, name: federated.key.name, patch,
                as: .merge)
        } catch {
            if !error.isNotFound { throw error }
        }
    }
}
