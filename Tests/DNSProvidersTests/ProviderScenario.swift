import DNSWire
import Logging
import Testing

@testable import DNSProviders

/// One story every provider must tell the same way, in zone example.test. holding
/// `foreign.example.test. A 192.0.2.1` and `web.east.example.test. TXT "not ours"` that
/// Meridian did not write: its records appear, change, and go, the foreign ones stay.
enum ProviderScenario {
    static let owner = Ownership.owner(federation: "fed")
    static let foreign = ["foreign.example.test. A 192.0.2.1", "web.east.example.test. TXT \"not ours\""]

    static func address(_ name: DNSName, _ ip: String) -> ResourceRecord {
        ResourceRecord(name: name, ttl: 5, data: .a(try! IPv4Address(ip)))
    }

    /// `name TYPE data` of every record the provider holds (markers included), sorted.
    static func lines(_ provider: any DNSProvider) async throws -> [String] {
        try await provider.recordSets().flatMap { set in set.data.map { "\(set.name) \(set.type) \($0)" } }.sorted()
    }

    static func markers(_ names: [String], _ provider: any DNSProvider) -> [String] {
        provider.ownership == .providerTags ? [] : names.map { "_meridian.\($0) TXT \"\(owner)\"" }
    }

    static func run(_ provider: any DNSProvider) async throws {
        let reconciler = ProviderSyncReconciler(provider: provider, desired: DesiredZone(), zone: "example.test.", owner: owner)
        let logger = Logger(label: "test")

        var wanted = RecordSet.grouped([
            address("web.example.test.", "10.0.0.1"), address("web.example.test.", "10.0.0.2"),
            address("web.west.example.test.", "10.0.0.2"),
            ResourceRecord(name: "web.east.example.test.", ttl: 5, data: .cname("web.example.test.")),
        ])
        let first = try await reconciler.sync(wanted, logger: logger)
        #expect(first.conflicts.map(\.description) == ["web.east.example.test. CNAME"])
        let appeared =
            foreign + markers(["web.example.test.", "web.west.example.test."], provider) + [
                "web.example.test. A 10.0.0.1", "web.example.test. A 10.0.0.2", "web.west.example.test. A 10.0.0.2",
            ]
        #expect(try await lines(provider) == appeared.sorted())

        wanted = RecordSet.grouped([
            address("web.example.test.", "10.0.0.1"),
            ResourceRecord(name: "web.west.example.test.", ttl: 5, data: .cname("web.example.test.")),
        ])
        let second = try await reconciler.sync(wanted, logger: logger)
        #expect(
            second.changes.map(\.description) == [
                "delete web.west.example.test. 5 A 10.0.0.2", "update web.example.test. 5 A 10.0.0.1",
                "create web.west.example.test. 5 CNAME web.example.test.",
            ])
        let changed =
            foreign + markers(["web.example.test.", "web.west.example.test."], provider) + [
                "web.example.test. A 10.0.0.1", "web.west.example.test. CNAME web.example.test.",
            ]
        #expect(try await lines(provider) == changed.sorted())
        #expect(try await reconciler.sync(wanted, logger: logger).changes == [])

        try await reconciler.sync([], logger: logger)
        #expect(try await lines(provider) == foreign.sorted())
    }
}
