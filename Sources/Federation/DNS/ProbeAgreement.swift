/// One prober's view of the endpoints, as it publishes it: which of the endpoints it
/// probes it judges down (keys from `ProbeTarget.reportKey`) and how many it probes.
public struct ProbeReport: Sendable, Equatable {
    /// The control-plane replica that probes (its leader-election identity).
    public var prober: String
    public var unhealthy: Set<String>
    public var probing: Int

    public init(prober: String, unhealthy: Set<String> = [], probing: Int) {
        self.prober = prober
        self.unhealthy = unhealthy
        self.probing = probing
    }
}

/// Which endpoints DNS withdraws when several probers judge them: a majority of the
/// probers that can report must say "down". Pure.
///
/// - The deciding replica's own view always counts.
/// - Another prober's report counts while fresh: its content was last renewed no longer
///   than `staleAfter` ago (a dead replica stops voting, and the rest decide without it).
/// - A prober that probes nothing cannot report and does not count.
/// - Withdrawal needs more than half of the counted probers; a tie keeps the endpoint,
///   so a single prober that can reach nothing cannot withdraw everything by itself
///   once another prober reports. Alone, a prober decides alone (one replica: its view).
public enum ProbeAgreement {
    /// A report and how long ago (on the decider's monotonic clock) it last changed.
    public struct Observed: Sendable, Equatable {
        public var report: ProbeReport
        public var age: Duration

        public init(_ report: ProbeReport, age: Duration) {
            self.report = report
            self.age = age
        }
    }

    /// The votes on one endpoint some counted prober judges down.
    public struct Tally: Sendable, Equatable {
        /// The probers judging it down, in name order.
        public var down: [String]
        /// How many probers counted.
        public var of: Int

        public init(down: [String], of: Int) {
            self.down = down
            self.of = of
        }

        public var majority: Bool { down.count * 2 > of }
    }

    /// Why a report did not count.
    public enum Ignored: String, Sendable, Equatable {
        case stale
        case probingNothing
    }

    public struct Outcome: Sendable, Equatable {
        /// Endpoints a majority judges down: DNS withdraws them.
        public var withdrawn: Set<String> = []
        /// Endpoints some counted prober judges down without a majority: DNS keeps them.
        public var disputed: Set<String> = []
        public var tallies: [String: Tally] = [:]
        /// The probers whose reports counted, own first.
        public var counted: [String] = []
        public var ignored: [String: Ignored] = [:]
        /// Per counted prober: the share of the endpoints it probes where its verdict is
        /// the outcome (1 = agrees on every one).
        public var agreement: [String: Double] = [:]
        /// How long until the first counted report (not the own) turns stale: deciding
        /// again then may change the outcome.
        public var decideAgainIn: Duration?
    }

    public static func decide(own: ProbeReport, others: [Observed], staleAfter: Duration) -> Outcome {
        var outcome = Outcome()
        var counted = [own]
        for observed in others.sorted(by: { $0.report.prober < $1.report.prober }) where observed.report.prober != own.prober {
            if observed.age > staleAfter {
                outcome.ignored[observed.report.prober] = .stale
            } else if observed.report.probing == 0 {
                outcome.ignored[observed.report.prober] = .probingNothing
            } else {
                counted.append(observed.report)
                let left = staleAfter - observed.age
                outcome.decideAgainIn = min(outcome.decideAgainIn ?? left, left)
            }
        }
        outcome.counted = counted.map(\.prober)
        for report in counted {
            for key in report.unhealthy { outcome.tallies[key, default: Tally(down: [], of: counted.count)].down.append(report.prober) }
        }
        for (key, tally) in outcome.tallies {
            outcome.tallies[key]?.down.sort()
            if tally.majority { outcome.withdrawn.insert(key) } else { outcome.disputed.insert(key) }
        }
        for report in counted {
            // Disagreeing: judging down what stays, or not judging down what goes (only
            // endpoints it knows of: those it judges down are surely probed; a withdrawn
            // one it does not list counts as a disagreement when it probes anything).
            let wrongDown = report.unhealthy.subtracting(outcome.withdrawn).count
            let missed = outcome.withdrawn.subtracting(report.unhealthy).count
            let total = max(report.probing, report.unhealthy.count, 1)
            outcome.agreement[report.prober] = Double(max(total - wrongDown - missed, 0)) / Double(total)
        }
        return outcome
    }
}
