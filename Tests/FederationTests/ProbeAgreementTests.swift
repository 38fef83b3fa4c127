import Federation
import KubeAPI
import KubeClient
import Testing

@Suite struct ProbeAgreementTests {
    static let a = "10.0.0.1:80 tcp"
    static let b = "10.0.0.2:80 tcp"
    static let c = "10.0.0.3:80 tcp"
    static let stale: Duration = .seconds(4)

    func report(_ prober: String, _ unhealthy: Set<String>, probing: Int = 3) -> ProbeReport {
        ProbeReport(prober: prober, unhealthy: unhealthy, probing: probing)
    }

    func fresh(_ report: ProbeReport, age: Duration = .seconds(1)) -> ProbeAgreement.Observed {
        ProbeAgreement.Observed(report, age: age)
    }

    @Test func aSingleProberDecidesAlone() {
        let outcome = ProbeAgreement.decide(own: report("p1", [Self.a]), others: [], staleAfter: Self.stale)
        #expect(outcome.withdrawn == [Self.a])
        #expect(outcome.disputed == [])
        #expect(outcome.counted == ["p1"])
        #expect(outcome.tallies == [Self.a: .init(down: ["p1"], of: 1)])
        #expect(outcome.decideAgainIn == nil)
    }

    @Test func twoProbersMustBothAgreeATieKeeps() {
        let both = ProbeAgreement.decide(
            own: report("p1", [Self.a, Self.b]), others: [fresh(report("p2", [Self.a]))], staleAfter: Self.stale)
        #expect(both.withdrawn == [Self.a])
        #expect(both.disputed == [Self.b])
        #expect(both.tallies[Self.a] == .init(down: ["p1", "p2"], of: 2))
        #expect(both.tallies[Self.b] == .init(down: ["p1"], of: 2))
        #expect(both.counted == ["p1", "p2"])
        // p1: 3 probed, b judged down though it stays → 2/3; p2 agrees on all 3.
        #expect(both.agreement == ["p1": 2.0 / 3.0, "p2": 1.0])
        #expect(both.decideAgainIn == .seconds(3))
    }

    @Test func threeProbersNeedTwo() {
        let outcome = ProbeAgreement.decide(
            own: report("p1", []), others: [fresh(report("p2", [Self.a, Self.b])), fresh(report("p3", [Self.a]), age: .seconds(2))],
            staleAfter: Self.stale)
        #expect(outcome.withdrawn == [Self.a])
        #expect(outcome.disputed == [Self.b])
        #expect(outcome.tallies[Self.a] == .init(down: ["p2", "p3"], of: 3))
        // The own view missed a withdrawn endpoint: 2 of 3 right.
        #expect(outcome.agreement == ["p1": 2.0 / 3.0, "p2": 2.0 / 3.0, "p3": 1.0])
        #expect(outcome.decideAgainIn == .seconds(2))
    }

    @Test func staleReportsDoNotCountTheOwnViewAlwaysDoes() {
        let outcome = ProbeAgreement.decide(
            own: report("p1", [Self.a]),
            others: [fresh(report("p2", []), age: .seconds(5)), fresh(report("p3", [Self.b]), age: .seconds(4))],
            staleAfter: Self.stale)
        // p2 is stale; p3 exactly at the limit still counts: a 1 of 2 (kept), b 1 of 2 (kept).
        #expect(outcome.ignored == ["p2": .stale])
        #expect(outcome.counted == ["p1", "p3"])
        #expect(outcome.withdrawn == [])
        #expect(outcome.disputed == [Self.a, Self.b])
        #expect(outcome.decideAgainIn == .zero)
        // Every other report stale: the own view decides.
        let alone = ProbeAgreement.decide(
            own: report("p1", [Self.a]), others: [fresh(report("p2", []), age: .seconds(9))], staleAfter: Self.stale)
        #expect(alone.withdrawn == [Self.a])
        #expect(alone.counted == ["p1"])
    }

    @Test func aProberThatReachesNothingCannotWithdrawEverything() {
        let blind = report("p2", [Self.a, Self.b, Self.c])
        let two = ProbeAgreement.decide(own: report("p1", []), others: [fresh(blind)], staleAfter: Self.stale)
        #expect(two.withdrawn == [])
        #expect(two.disputed == [Self.a, Self.b, Self.c])
        #expect(two.agreement["p2"] == 0)
        let three = ProbeAgreement.decide(
            own: report("p1", []), others: [fresh(blind), fresh(report("p3", [Self.c]))], staleAfter: Self.stale)
        #expect(three.withdrawn == [Self.c])
        #expect(three.disputed == [Self.a, Self.b])
        // The blind one leading: the others outvote it.
        let leading = ProbeAgreement.decide(own: blind, others: [fresh(report("p1", []))], staleAfter: Self.stale)
        #expect(leading.withdrawn == [])
    }

    @Test func probersThatProbeNothingAndTheOwnEchoAreLeftOut() {
        let outcome = ProbeAgreement.decide(
            own: report("p1", [Self.a]), others: [fresh(report("p2", [], probing: 0)), fresh(report("p1", []))], staleAfter: Self.stale)
        #expect(outcome.ignored == ["p2": .probingNothing])
        #expect(outcome.counted == ["p1"])
        #expect(outcome.withdrawn == [Self.a])
    }

    @Test func reportsTravelAsLeases() throws {
        let settings = ProbeReportSettings(identity: "Host_1.example")
        let original = report("Host_1.example", [Self.b, Self.a], probing: 7)
        let lease = ProbeReportLease.object(original, settings: settings)
        #expect(lease["metadata"]["name"] == "meridian-dns-prober-host-1.example")
        #expect(ProbeReportLease.name(identity: "_x_") == "meridian-dns-prober-x")
        #expect(ProbeReportLease.name(identity: "__") == "meridian-dns-prober-unnamed")
        #expect(lease["metadata"]["namespace"] == "federation-system")
        #expect(
            lease["metadata"]["annotations"]["federation.meridian.dev/probe-report"]
                == #"{"probing":7,"unhealthy":["10.0.0.1:80 tcp","10.0.0.2:80 tcp"]}"#)
        #expect(lease["spec"]["leaseDurationSeconds"] == 4)
        #expect(ProbeReportLease.report(lease) == original)
        var foreign = lease
        foreign["metadata"]["labels"] = .null
        #expect(ProbeReportLease.report(foreign) == nil)
    }

    @Test func theObserverAgesReportsByTheirLastChange() throws {
        let observer = ProbeReportObserver(staleAfter: .seconds(4))
        let settings = ProbeReportSettings(identity: "p2")
        let start = ContinuousClock.now
        var lease = ProbeReportLease.object(report("p2", [Self.a]), settings: settings)
        #expect(observer.observe(.added(lease), now: start))
        // Renewed with the same view: no new decision needed, but the age restarts.
        lease["spec"]["renewTime"] = "2030-01-01T00:00:01.000000Z"
        #expect(!observer.observe(.updated(old: lease, new: lease), now: start + .seconds(2)))
        #expect(observer.reports(now: start + .seconds(3)) == [fresh(report("p2", [Self.a]), age: .seconds(1))])
        // Back after going stale: decide again.
        lease["spec"]["renewTime"] = "2030-01-01T00:00:09.000000Z"
        #expect(observer.observe(.updated(old: lease, new: lease), now: start + .seconds(9)))
        #expect(observer.names(olderThan: .seconds(5), now: start + .seconds(15)) == ["meridian-dns-prober-p2"])
        #expect(observer.observe(.deleted(lease)))
        #expect(observer.reports() == [])
    }
}
