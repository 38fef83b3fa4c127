import Foundation
import KubeAPI
import KubeClient

/// DaemonSet rolling updates, as kube-controller-manager runs them: with `maxSurge` 0,
/// outdated pods are deleted (unavailable ones first, then up to `maxUnavailable` nodes
/// without an available pod) and `manage` creates their replacements; with `maxSurge`,
/// a new pod starts beside the old one on up to `maxSurge` nodes and the old one goes
/// once the new one is available.
extension DaemonSetController {
    /// `maxSurge` resolved against the number of nodes that should run the pod.
    static func surge(_ set: JSONValue, desired placements: [Placement]) -> Int {
        guard (set["spec"]["updateStrategy"]["type"].stringValue ?? "RollingUpdate") == "RollingUpdate" else { return 0 }
        let total = placements.filter(\.shouldRun).count
        return RolloutMath.resolve(
            set["spec"]["updateStrategy"]["rollingUpdate"]["maxSurge"], total: total, roundUp: true, defaultValue: "0")
    }

    /// The UIDs of the pods a node keeps when it has several: the oldest, or while surging
    /// the oldest outdated one and the newest updated one.
    static func podsToKeep(_ pods: [JSONValue], hash: String, surge: Bool) -> Set<String> {
        guard surge, let old = pods.first(where: { $0.labels[revisionLabel] != hash }),
            let new = pods.last(where: { $0.labels[revisionLabel] == hash })
        else { return Set(pods.prefix(1).map(\.uid)) }
        return [old.uid, new.uid]
    }

    func rollingUpdate(_ set: JSONValue, placements: [Placement], hash: String) async throws {
        let minReady = set["spec"]["minReadySeconds"].intValue ?? 0
        let desired = placements.filter(\.shouldRun)
        func isAvailable(_ pod: JSONValue) -> Bool { PodControl.isAvailable(pod, minReadySeconds: minReady) }
        func old(_ p: Placement) -> JSONValue? { p.pods.first { $0.labels[Self.revisionLabel] != hash } }
        func new(_ p: Placement) -> JSONValue? { p.pods.last { $0.labels[Self.revisionLabel] == hash } }
        var maxUnavailable = RolloutMath.resolve(
            set["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"], total: desired.count, roundUp: true, defaultValue: "1")
        let maxSurge = Self.surge(set, desired: placements)
        var unavailable = desired.filter { !$0.pods.contains(where: isAvailable) }.count

        if maxSurge > 0 {
            var surging = desired.filter { old($0) != nil && (new($0) != nil || $0.creating > 0) }.count
            for p in desired {
                guard let outdated = old(p) else { continue }
                if let updated = new(p) {
                    if isAvailable(updated) { try await delete(outdated, of: set, key: p.key) }
                } else if p.creating == 0 {
                    // An unavailable old pod may be replaced within maxUnavailable without surging.
                    if !isAvailable(outdated), maxUnavailable > 0 {
                        try await delete(outdated, of: set, key: p.key)
                    } else if surging < maxSurge {
                        try await create(set, node: p.node, hash: hash, key: p.key)
                        surging += 1
                    }
                }
            }
            return
        }
        if maxUnavailable == 0 { maxUnavailable = 1 }
        let outdated = desired.filter { p in p.pods.first.map { $0.labels[Self.revisionLabel] != hash } ?? false }
        for p in outdated where !isAvailable(p.pods[0]) {
            try await delete(p.pods[0], of: set, key: p.key)
        }
        for p in outdated where isAvailable(p.pods[0]) {
            guard unavailable < maxUnavailable else { break }
            try await delete(p.pods[0], of: set, key: p.key)
            unavailable += 1
        }
    }
}
