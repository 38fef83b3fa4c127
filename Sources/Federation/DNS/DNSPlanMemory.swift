import DNSWire
import KubeClient

/// What the DNS controller remembers between passes: the last healthy set of each global
/// name (so probing never empties it), which names are held on that set, and which
/// Services and clusters each probed endpoint belongs to (for Events).
actor DNSPlanMemory {
    struct Owner: Hashable, Sendable {
        var service: ObjectKey
        var cluster: String
    }

    private(set) var lastHealthy: [DNSName: [RData]] = [:]
    private var held: Set<DNSName> = []
    private var owners: [ProbeTarget: [Owner]] = [:]

    /// Keeps the pass's results; returns the names held since this pass.
    func update(_ plan: RecordPlanner.Plan, owners: [ProbeTarget: [Owner]]) -> [DNSName: [String]] {
        lastHealthy = plan.lastHealthy
        self.owners = owners
        let newlyHeld = plan.held.filter { !held.contains($0.key) }
        held = Set(plan.held.keys)
        return newlyHeld
    }

    func owners(of target: ProbeTarget) -> [Owner] { owners[target] ?? [] }
}
