import FederationAPI
import Foundation
import KubeAPI
import KubeClient
import Metrics
import Reconcile

/// Everything one pass decided for one federated object.
struct PlacementPlan {
    var policy: PlacementPolicy?
    var overrides: [OverridePolicy]
    var clusters: [Cluster]
    var previous: PlacementRecord?
    var output: Scheduler.Output
    var replicaField: String?
    /// A Job's completions per cluster, divided like its parallelism.
    var completions: [String: Int64]?
    /// Replica moves wait for readiness elsewhere; a Job's pods finish rather than turn
    /// ready, so its parallelism moves at once.
    var stagesMoves: Bool
}

extension PropagationController {
    func schedule(_ federated: FederatedKey, _ object: JSONValue) async -> PlacementPlan {
        let type = federated.type
        let clusters = await self.clusters.list().map(Cluster.init(object:)).sorted { $0.name < $1.name }
        let policy = await policies.propagationPolicy(for: type, object: object)
        let overrides = await policies.overridePolicies(for: type, object: object)
        let previous = PlacementRecord(annotationOf: object)
        let field = PropagatedTypes.replicaField[type]
        let total = field.map { object["spec"][$0].intValue ?? 1 }
        var capacity: [String: Int64] = [:]
        if let policy, policy.replicas.byCapacity, let field {
            capacity = await freeCapacity(federated, podSpec: object["spec"]["template"]["spec"], field: field, clusters: clusters)
        }
        let output = Scheduler.schedule(
            .init(policy: policy, clusters: clusters.map(ClusterCandidate.init), replicas: total, previous: previous, capacity: capacity))
        return PlacementPlan(
            policy: policy, overrides: overrides, clusters: clusters, previous: previous, output: output, replicaField: field,
            completions: PropagatedTypes.completionShares(type, object, parallelism: output.replicas), stagesMoves: type != .jobs)
    }

    /// Free capacity of each Ready member in replicas of this workload (unreachable: none).
    private func freeCapacity(_ federated: FederatedKey, podSpec: JSONValue, field: String, clusters: [Cluster]) async -> [String: Int64] {
        let perReplica = Capacity.request(podSpec: podSpec)
        var out: [String: Int64] = [:]
        for cluster in clusters where cluster.isReady {
            guard let member = try? await memberClient(cluster),
                let nodes = try? await member.listAll(.nodes).items, let pods = try? await member.listAll(.pods).items
            else { continue }
            let own = try? await member.getIfExists(federated.type, namespace: federated.key.namespace, name: federated.key.name)
            out[cluster.name] = Capacity.freeReplicas(
                nodes: nodes, pods: pods, perReplica: perReplica, ownReplicas: own?["spec"][field].intValue ?? 0)
        }
        return out
    }

    /// The replicas to apply now per reachable member: moves scale up before they scale down.
    func stage(_ plan: PlacementPlan, copies: [(name: String, existing: JSONValue?)]) -> (apply: [String: Int64], holding: [String]) {
        guard let field = plan.replicaField else { return ([:], []) }
        guard plan.stagesMoves else {
            let names = Set(copies.map(\.name))
            return (plan.output.replicas.filter { names.contains($0.key) }, [])
        }
        var current: [String: ScaleTransition.Member] = [:]
        for (name, existing) in copies {
            // A copy that is not ours, or hands-off, is not moved.
            if let existing, !isOurs(existing) || existing["metadata"]["annotations"][Federation.handsOffAnnotation] == "true" {
                continue
            }
            current[name] = ScaleTransition.Member(
                spec: existing?["spec"][field].intValue, ready: existing?["status"]["readyReplicas"].intValue ?? 0)
        }
        let targets = plan.output.replicas.filter { current[$0.key] != nil }
        var staged = ScaleTransition.stage(targets: targets, current: current)
        // Copies outside the move (hands-off, clashes) still get their share if they are applied.
        for (name, _) in copies where staged.apply[name] == nil { staged.apply[name] = plan.output.replicas[name] }
        return staged
    }

    func scheduleFailed(_ federated: FederatedKey, _ object: JSONValue, plan: PlacementPlan, error: String) async throws {
        var record = plan.previous ?? PlacementRecord(policy: plan.policy?.reference, excluded: plan.output.excluded)
        record.error = error
        if plan.previous?.error != error {
            await events.record(
                object, type: .warning, reason: "ScheduleFailed",
                message: "\(plan.policy?.reference ?? "default placement"): \(error); copies stay where they are")
        }
        try await writeRecord(federated, object, record)
    }

    /// Writes the placement record and the Events a user wants: where the object went and
    /// why, and every failover decision.
    func publish(_ federated: FederatedKey, _ object: JSONValue, plan: PlacementPlan, record: PlacementRecord) async throws {
        let special = record.clusters.contains { ["HandsOff", "Drifted"].contains($0.state) }
        guard plan.policy != nil || plan.previous != nil || special else { return }
        if plan.policy == nil && !special {
            try await writeRecord(federated, object, nil)
            return
        }
        let previous = plan.previous
        if plan.policy != nil, previous.map({ Self.placementChanged($0, record) }) ?? true {
            await events.record(object, reason: "Scheduled", message: "\(plan.policy!.reference): \(record.summary)")
        }
        if let policy = plan.policy {
            await failoverEvents(object, policy: policy, previous: previous ?? PlacementRecord(), record: record)
        }
        try await writeRecord(federated, object, record)
    }

    private func failoverEvents(_ object: JSONValue, policy: PlacementPolicy, previous: PlacementRecord, record: PlacementRecord) async {
        let seconds = policy.failover.clusterOfflineSeconds
        let receivers = record.clusters.filter { $0.state != "FailedOver" && $0.state != "Offline" }.map { e in
            "\(e.name) (\(e.replicas.map { String($0) } ?? "-"))"
        }.joined(separator: ", ")
        for name in record.failedOver where !previous.failedOver.contains(name) {
            await decision(
                object, type: .warning, reason: "FailoverStarted",
                message:
                    "cluster \(name) has been Offline for \(seconds)s (clusterOfflineSeconds): its replicas move to \(receivers); nothing is deleted there while it is unreachable"
            )
        }
        for name in previous.failedOver where !record.failedOver.contains(name) && record.entry(name) != nil {
            await decision(
                object, reason: "FailoverRebalance",
                message:
                    "cluster \(name) is Ready again (returnPolicy Rebalance): its replicas come back; the others scale down once they are ready"
            )
        }
        for entry in record.clusters where entry.state == "Offline" && previous.entry(entry.name)?.state != "Offline" {
            let when = seconds > 0 ? "if it stays Offline for \(seconds)s" : "never (clusterOfflineSeconds 0)"
            await decision(
                object, type: .warning, reason: "FailoverPending",
                message: "cluster \(entry.name) is Offline: its replicas stay there for now and move \(when)")
        }
        for name in record.failedOver where previous.failedOver.contains(name) {
            if record.entry(name)?.state != "FailedOver", previous.entry(name)?.state == "FailedOver" {
                await decision(
                    object, reason: "FailoverStay",
                    message: "cluster \(name) is Ready again (returnPolicy Stay): its replicas stay where they moved")
            }
        }
        for entry in record.clusters where entry.state == "Scheduled" && previous.entry(entry.name)?.state == "ScalingDown" {
            await decision(
                object, reason: "ScaledDown",
                message:
                    "cluster \(entry.name) scaled down to \(entry.replicas.map { String($0) } ?? "-"): the replicas that moved are ready")
        }
    }

    /// A failover decision: an Event on the object, counted by reason.
    private func decision(_ object: JSONValue, type: EventRecorder.EventType = .normal, reason: String, message: String) async {
        Counter(label: "meridian_failover_decisions_total", dimensions: [("reason", reason)]).increment()
        await events.record(object, type: type, reason: reason, message: message)
    }

    static func placementChanged(_ a: PlacementRecord, _ b: PlacementRecord) -> Bool {
        func shape(_ r: PlacementRecord) -> [String] { r.clusters.map { "\($0.name)=\($0.replicas.map { String($0) } ?? "")" }.sorted() }
        return shape(a) != shape(b) || a.excluded != b.excluded || a.failedOver != b.failedOver || a.error != nil
    }

    /// Sets (or with nil removes) the object's placement annotation when it differs.
    func writeRecord(_ federated: FederatedKey, _ object: JSONValue, _ record: PlacementRecord?) async throws {
        let text = record.map { $0.json.serializedString() }
        guard object["metadata"]["annotations"][Federation.placementAnnotation].stringValue != text else { return }
        let patch: JSONValue = ["metadata": ["annotations": [Federation.placementAnnotation: text.map(JSONValue.string) ?? .null]]]
        try await patchFederated(federated, patch)
    }
}
