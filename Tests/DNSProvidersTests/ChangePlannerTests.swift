import DNSWire
import Testing

@testable import DNSProviders

struct ChangePlannerTests {
    static let zone: DNSName = "example.test."
    static let owner = Ownership.owner(federation: "fed")

    func a(_ name: DNSName, _ ips: String..., ttl: UInt32 = 5, owner: String? = nil) -> RecordSet {
        RecordSet(name: name, type: .a, ttl: ttl, data: ips.map { .a(try! IPv4Address($0)) }, owner: owner)
    }

    func marker(_ name: DNSName, owner: String = ChangePlannerTests.owner) -> RecordSet {
        RecordSet(name: Ownership.markerName(of: name)!, type: .txt, ttl: 5, data: [.txt([Array(owner.utf8)])])
    }

    @Test func anEmptyZoneGetsEachSetAfterItsMarker() {
        let web = a("web.example.test.", "10.0.0.1", "10.0.0.2")
        let region = RecordSet(name: "web.east.example.test.", type: .cname, ttl: 5, data: [.cname("web.example.test.")])
        let plan = ChangePlanner.plan(desired: [web, region], current: [], zone: Self.zone, owner: Self.owner, ownership: .txtRecords)
        #expect(
            plan.changes.map(\.description) == [
                "create _meridian.web.east.example.test. 5 TXT \"\(Self.owner)\"",
                "create _meridian.web.example.test. 5 TXT \"\(Self.owner)\"",
                "create web.east.example.test. 5 CNAME web.example.test.",
                "create web.example.test. 5 A 10.0.0.1,10.0.0.2",
            ])
        #expect(plan.conflicts == [])
    }

    @Test func onlyWhatDiffersChangesAndOwnedLeftoversGo() {
        let current = [
            a("web.example.test.", "10.0.0.1", "10.0.0.2"), marker("web.example.test."),
            a("old.example.test.", "10.0.0.9"), marker("old.example.test."),
            a("same.example.test.", "10.0.0.3"), marker("same.example.test."),
            a("foreign.example.test.", "192.0.2.1"),
            marker("theirs.example.test.", owner: Ownership.owner(federation: "other")), a("theirs.example.test.", "192.0.2.2"),
        ]
        let desired = [a("web.example.test.", "10.0.0.1"), a("same.example.test.", "10.0.0.3")]
        let plan = ChangePlanner.plan(desired: desired, current: current, zone: Self.zone, owner: Self.owner, ownership: .txtRecords)
        #expect(
            plan.changes.map(\.description) == [
                "delete old.example.test. 5 A 10.0.0.9",
                "update web.example.test. 5 A 10.0.0.1",
                "delete _meridian.old.example.test. 5 TXT \"\(Self.owner)\"",
            ])
    }

    @Test func aNameHeldByRecordsMeridianDoesNotOwnIsLeftAlone() {
        let current = [
            a("other.example.test.", "192.0.2.1"), RecordSet(name: "txt.example.test.", type: .txt, ttl: 60, data: [.txt([[65]])]),
        ]
        let desired = [a("other.example.test.", "10.0.0.1"), a("txt.example.test.", "10.0.0.2")]
        let plan = ChangePlanner.plan(desired: desired, current: current, zone: Self.zone, owner: Self.owner, ownership: .txtRecords)
        #expect(plan.changes == [])
        #expect(plan.conflicts.map(\.description) == ["other.example.test. A", "txt.example.test. A"])
    }

    @Test func aNameTurningFromAddressesToACNAMEDeletesFirst() {
        let current = [a("web.east.example.test.", "10.0.0.1"), marker("web.east.example.test.")]
        let cname = RecordSet(name: "web.east.example.test.", type: .cname, ttl: 5, data: [.cname("web.example.test.")])
        let plan = ChangePlanner.plan(desired: [cname], current: current, zone: Self.zone, owner: Self.owner, ownership: .txtRecords)
        #expect(
            plan.changes.map(\.description) == [
                "delete web.east.example.test. 5 A 10.0.0.1", "create web.east.example.test. 5 CNAME web.example.test.",
            ])
    }

    @Test func providerTagsOwnSetBySet() {
        let current = [
            a("web.example.test.", "10.0.0.1", owner: Self.owner), a("gone.example.test.", "10.0.0.2", owner: Self.owner),
            a("foreign.example.test.", "192.0.2.1"),
        ]
        let desired = [a("web.example.test.", "10.0.0.1", ttl: 30), a("foreign.example.test.", "10.0.0.3")]
        let plan = ChangePlanner.plan(desired: desired, current: current, zone: Self.zone, owner: Self.owner, ownership: .providerTags)
        #expect(
            plan.changes.map(\.description) == ["delete gone.example.test. 5 A 10.0.0.2", "update web.example.test. 30 A 10.0.0.1"])
        #expect(plan.conflicts.map(\.description) == ["foreign.example.test. A"])
    }

    @Test func namesOutsideTheZoneAreNeverTouched() {
        let outside = a("web.elsewhere.test.", "10.0.0.1", owner: Self.owner)
        let plan = ChangePlanner.plan(desired: [], current: [outside], zone: Self.zone, owner: Self.owner, ownership: .providerTags)
        #expect(plan.changes == [])
    }
}
