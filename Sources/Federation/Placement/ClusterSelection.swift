import FederationAPI
import Foundation
import KubeAPI

/// A member as the scheduler sees it.
public struct ClusterCandidate: Sendable, Hashable {
    public var name: String
    /// Labels plus region, zone and name (`Cluster.placementLabels`).
    public var labels: [String: String]
    public var region: String?
    public var zone: String?
    public var ready: Bool
    /// Set when the cluster is Offline.
    public var offlineSince: Date?

    public init(
        name: String, labels: [String: String] = [:], region: String? = nil, zone: String? = nil, ready: Bool, offlineSince: Date? = nil
    ) {
        self.name = name
        var all = labels
        if let region { all[Federation.regionLabel] = region }
        if let zone { all[Federation.zoneLabel] = zone }
        all[Federation.clusterNameLabel] = name
        self.labels = all
        self.region = region
        self.zone = zone
        self.ready = ready
        self.offlineSince = offlineSince
    }

    public init(_ cluster: Cluster) {
        self.init(
            name: cluster.name, labels: cluster.labels, region: cluster.region, zone: cluster.zone, ready: cluster.isReady,
            offlineSince: cluster.offlineSince)
    }

    var offline: Bool { !ready && offlineSince != nil }
}

/// Which clusters a placement picks, and why each other cluster was left out.
enum ClusterSelection {
    struct Result: Equatable {
        var selected: [String]
        var excluded: [String: String]
        var error: String?
    }

    /// `previous` (clusters chosen last time) keep their place where the placement allows
    /// a choice, so a reschedule moves as little as possible; an Offline cluster keeps its
    /// place only if it had one.
    static func select(
        _ placement: Placement, clusters: [ClusterCandidate], previous: Set<String>, excluded preset: [String: String] = [:]
    ) -> Result {
        var excluded = preset
        var eligible: [ClusterCandidate] = []
        for cluster in clusters.sorted(by: { $0.name < $1.name }) where excluded[cluster.name] == nil {
            if let names = placement.clusterNames, !names.contains(cluster.name) {
                excluded[cluster.name] = "not in clusterNames"
            } else if placement.excludeClusters.contains(cluster.name) {
                excluded[cluster.name] = "in excludeClusters"
            } else if let selector = placement.clusterSelector, !selector.matches(cluster.labels) {
                excluded[cluster.name] = "does not match clusterSelector"
            } else if !cluster.ready && !(cluster.offline && previous.contains(cluster.name)) {
                excluded[cluster.name] = "not Ready"
            } else {
                eligible.append(cluster)
            }
        }
        let byPreference: (ClusterCandidate, ClusterCandidate) -> Bool = { a, b in
            let pa = previous.contains(a.name)
            let pb = previous.contains(b.name)
            return pa != pb ? pa : a.name < b.name
        }
        var ordered: [ClusterCandidate]
        if let spread = placement.spread {
            let key: (ClusterCandidate) -> String? = { spread.by == .region ? $0.region : $0.zone }
            for cluster in eligible where key(cluster) == nil { excluded[cluster.name] = "has no \(spread.by.rawValue)" }
            let groups = Dictionary(grouping: eligible.filter { key($0) != nil }, by: { key($0)! })
                .map { (name: $0.key, members: $0.value.sorted(by: byPreference)) }
                .sorted { a, b in
                    let pa = a.members.filter { previous.contains($0.name) }.count
                    let pb = b.members.filter { previous.contains($0.name) }.count
                    if pa != pb { return pa > pb }
                    if a.members.count != b.members.count { return a.members.count > b.members.count }
                    return a.name < b.name
                }
            if groups.count < spread.minGroups {
                let have = groups.map(\.name).sorted().joined(separator: ", ")
                return Result(
                    selected: [], excluded: excluded,
                    error: "spread by \(spread.by.rawValue) needs \(spread.minGroups) groups; \(groups.count) available (\(have))")
            }
            let chosen = groups.prefix(spread.maxGroups ?? groups.count)
            for group in groups.dropFirst(chosen.count) {
                for cluster in group.members {
                    excluded[cluster.name] = "\(spread.by.rawValue) \(group.name) not chosen (maxGroups \(spread.maxGroups ?? 0))"
                }
            }
            // Round robin over the groups, so maxClusters keeps the spread.
            ordered = []
            var round = 0
            while ordered.count < chosen.reduce(0, { $0 + $1.members.count }) {
                for group in chosen where round < group.members.count { ordered.append(group.members[round]) }
                round += 1
            }
        } else {
            ordered = eligible.sorted(by: byPreference)
        }
        if let maxClusters = placement.maxClusters, ordered.count > maxClusters {
            for cluster in ordered.dropFirst(maxClusters) { excluded[cluster.name] = "maxClusters (\(maxClusters)) reached" }
            ordered = Array(ordered.prefix(maxClusters))
        }
        return Result(selected: ordered.map(\.name).sorted(), excluded: excluded, error: nil)
    }
}
