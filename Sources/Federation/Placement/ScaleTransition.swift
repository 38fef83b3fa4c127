/// Moves replicas between clusters without letting ready replicas dip below the desired
/// total: clusters that grow get their target at once, clusters that shrink give up only
/// the surplus that is ready elsewhere, so a shrink waits for the growth to be Ready
/// ("scale up before scaling down"). If waiting cannot help (no growing cluster is still
/// short of ready replicas), shrinking goes ahead.
public enum ScaleTransition {
    public struct Member: Sendable, Equatable {
        /// The copy's spec replicas; nil when there is no copy yet.
        public var spec: Int64?
        public var ready: Int64
        public init(spec: Int64?, ready: Int64) {
            self.spec = spec
            self.ready = ready
        }
    }

    /// The replicas to apply now in each reachable cluster of `targets` (clusters missing
    /// from `current` are unreachable and left out), and the clusters held above target.
    public static func stage(targets: [String: Int64], current: [String: Member]) -> (apply: [String: Int64], holding: [String]) {
        let reachable = targets.keys.filter { current[$0] != nil }.sorted()
        let shrinking = reachable.filter { name in (current[name]!.spec ?? 0) > targets[name]! }
        let others = reachable.filter { !shrinking.contains($0) }
        var apply: [String: Int64] = [:]
        for name in others { apply[name] = targets[name]! }
        let desired = reachable.reduce(Int64(0)) { $0 + targets[$1]! }
        // What is ready now, counting no cluster above what it is to keep.
        let ready = reachable.reduce(Int64(0)) { sum, name in
            sum + min(current[name]!.ready, shrinking.contains(name) ? current[name]!.spec ?? 0 : targets[name]!)
        }
        let waitingHelps = others.contains { current[$0]!.ready < targets[$0]! }
        var budget = waitingHelps ? max(0, ready - desired) : Int64.max
        var holding: [String] = []
        for name in shrinking {
            let member = current[name]!
            let target = targets[name]!
            let readyHere = min(member.ready, member.spec ?? 0)
            // Dropping to `readyHere` costs no ready replica; below that, each one counts.
            let lowest = max(target, readyHere - budget)
            let next = min(member.spec ?? 0, lowest)
            budget -= max(0, readyHere - next)
            apply[name] = next
            if next > target { holding.append(name) }
        }
        return (apply, holding)
    }
}
