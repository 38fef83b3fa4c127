import DNSWire
import KubeClient

/// What the DNS controller remembers between passes: the last healthy set of each global
/// name (so probing never empties it), which names are held on that set, which objects
/// and clusters each probed endpoint belongs to (for Events), and the agreed probe state
/// of each endpoint (withdrawn, or disputed among the probers).
actor DNSPlanMemory {
    struct Owner: Hashable, Sendable {
        var object: MemberIngress.Key
        var cluster: String
    }

    /// How the agreed probe state of endpoints moved in one pass.
    struct Changes: Sendable {
        /// Global names held on their last healthy set since this pass.
        var held: [DNSName: [String]] = [:]
        var withdrawn: [ProbeTarget] = []
        var restored: [ProbeTarget] = []
        var disputed: [ProbeTarget] = []
    }

    private(set) var lastHealthy: [DNSName: [RData]] = [:]
    private var held: Set<DNSName> = []
    private var owners: [ProbeTarget: [Owner]] = [:]
    private var withdrawn: Set<String> = []
    private var disputed: Set<String> = []

    /// Keeps the pass's results; returns what changed since the last pass.
    func update(_ plan: RecordPlanner.Plan, owners: [ProbeTarget: [Owner]], agreement: ProbeAgreement.Outcome) -> Changes {
        lastHealthy = plan.lastHealthy
        self.owners = owners
        var changes = Changes()
        changes.held = plan.held.filter { !held.contains($0.key) }
        held = Set(plan.held.keys)
        let byKey = Dictionary(owners.keys.map { ($0.reportKey, $0) }, uniquingKeysWith: { first, _ in first })
        func targets(_ keys: Set<String>) -> [ProbeTarget] {
            keys.compactMap { byKey[$0] }.sorted { $0.reportKey < $1.reportKey }
        }
        // Only endpoints DNS publishes count: a withdrawn one that left is not restored.
        let nowWithdrawn = agreement.withdrawn.filter { byKey[$0] != nil }
        let nowDisputed = agreement.disputed.filter { byKey[$0] != nil }
        changes.withdrawn = targets(nowWithdrawn.subtracting(withdrawn))
        changes.restored = targets(withdrawn.subtracting(nowWithdrawn).filter { byKey[$0] != nil })
        changes.disputed = targets(nowDisputed.subtracting(disputed))
        withdrawn = nowWithdrawn
        disputed = nowDisputed
        return changes
    }

    func owners(of target: ProbeTarget) -> [Owner] { owners[target] ?? [] }
}
