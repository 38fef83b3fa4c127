import FederationAPI
import Foundation
import KubeAPI

/// Where one federated object goes and with how many replicas: pure and deterministic.
/// Without a policy, the federation core's default: every Ready cluster, even split with
/// the remainder to clusters in name order.
public enum Scheduler {
    public struct Input: Sendable {
        public var policy: PlacementPolicy?
        public var clusters: [ClusterCandidate]
        /// The object's total replicas; nil for kinds without replicas.
        public var replicas: Int64?
        public var previous: PlacementRecord?
        public var now: Date
        /// Free capacity per cluster in replicas of this workload (byCapacity).
        public var capacity: [String: Int64]

        public init(
            policy: PlacementPolicy?, clusters: [ClusterCandidate], replicas: Int64?, previous: PlacementRecord? = nil, now: Date = Date(),
            capacity: [String: Int64] = [:]
        ) {
            self.policy = policy
            self.clusters = clusters
            self.replicas = replicas
            self.previous = previous
            self.now = now
            self.capacity = capacity
        }
    }

    public struct Output: Sendable, Equatable {
        /// Clusters that get (or keep) a copy, by name.
        public var selected: [String] = []
        /// Target replicas per selected cluster (workloads only).
        public var replicas: [String: Int64] = [:]
        public var excluded: [String: String] = [:]
        /// Selected Offline clusters whose replicas moved elsewhere (or, with `Stay`, stay moved).
        public var failedOver: [String] = []
        /// Selected Offline clusters still within clusterOfflineSeconds.
        public var waiting: [String] = []
        public var unschedulable: Int64 = 0
        /// The placement cannot be satisfied (nothing changes then).
        public var error: String?
        /// When to look again (an Offline cluster reaches clusterOfflineSeconds).
        public var recheckAfter: TimeInterval?
    }

    public static func schedule(_ input: Input) -> Output {
        let clusters = input.clusters.sorted { $0.name < $1.name }
        guard let policy = input.policy else {
            let ready = clusters.filter(\.ready).map(\.name)
            var out = Output(selected: ready)
            for cluster in clusters where !cluster.ready { out.excluded[cluster.name] = "not Ready" }
            if let total = input.replicas { out.replicas = evenSplit(total, among: ready) }
            return out
        }
        let divided = policy.replicas.mode == .divided
        // Static weights: a cluster no weight names gets none, so it is not selected.
        var weights: [String: Int64] = [:]
        var preset: [String: String] = [:]
        if divided, input.replicas != nil, !policy.replicas.weights.isEmpty {
            for cluster in clusters {
                let w = weight(of: cluster, policy.replicas.weights)
                if w > 0 { weights[cluster.name] = w } else { preset[cluster.name] = "weight 0" }
            }
        }
        let previousSelected = Set(input.previous?.clusters.map(\.name) ?? [])
        let selection = ClusterSelection.select(policy.placement, clusters: clusters, previous: previousSelected, excluded: preset)
        var out = Output(selected: selection.selected, excluded: selection.excluded, error: selection.error)
        guard selection.error == nil else { return out }

        // Failover of selected Offline clusters.
        let tolerance = TimeInterval(policy.failover.clusterOfflineSeconds)
        let previouslyFailed = Set(input.previous?.failedOver ?? [])
        for name in selection.selected {
            let cluster = clusters.first { $0.name == name }!
            if cluster.ready {
                if previouslyFailed.contains(name), policy.failover.returnPolicy == .stay { out.failedOver.append(name) }
                continue
            }
            let since = cluster.offlineSince ?? input.now
            let elapsed = input.now.timeIntervalSince(since)
            if tolerance > 0, elapsed >= tolerance || previouslyFailed.contains(name) {
                out.failedOver.append(name)
            } else {
                out.waiting.append(name)
                if tolerance > 0 { out.recheckAfter = min(out.recheckAfter ?? .infinity, tolerance - elapsed) }
            }
        }
        guard let total = input.replicas else { return out }
        let receivers = selection.selected.filter { !out.failedOver.contains($0) }
        let previousReplicas = (input.previous?.clusters ?? []).reduce(into: [String: Int64]()) { $0[$1.name] = $1.replicas ?? 0 }
        if divided {
            let receiverWeights: [String: Int64] = Dictionary(
                uniqueKeysWithValues: receivers.map { name in
                    if policy.replicas.byCapacity { return (name, max(input.capacity[name] ?? 0, 0)) }
                    return (name, policy.replicas.weights.isEmpty ? 1 : weights[name] ?? 0)
                })
            let result = ReplicaDivision.divide(
                total, weights: receiverWeights, minimum: policy.replicas.minPerCluster, maximum: policy.replicas.maxPerCluster,
                previous: previousReplicas)
            out.replicas = result.replicas
            out.unschedulable = result.unschedulable
        } else {
            for name in receivers { out.replicas[name] = total }
        }
        for name in out.failedOver { out.replicas[name] = 0 }
        return out
    }

    /// Even split, remainder to the first clusters in name order: 3 on 2 → 2 + 1.
    public static func evenSplit(_ total: Int64, among clusters: [String]) -> [String: Int64] {
        guard !clusters.isEmpty else { return [:] }
        let sorted = clusters.sorted()
        let share = total / Int64(sorted.count)
        let extra = Int(total % Int64(sorted.count))
        var out: [String: Int64] = [:]
        for (i, name) in sorted.enumerated() { out[name] = share + (i < extra ? 1 : 0) }
        return out
    }

    /// The first weight entry naming the cluster, else the first whose selector matches it.
    static func weight(of cluster: ClusterCandidate, _ weights: [ReplicaScheduling.Weight]) -> Int64 {
        if let named = weights.first(where: { $0.cluster == cluster.name }) { return named.weight }
        return weights.first { entry in entry.clusterSelector.map { $0.matches(cluster.labels) } ?? false }?.weight ?? 0
    }
}
