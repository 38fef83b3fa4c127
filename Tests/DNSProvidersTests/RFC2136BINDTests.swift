import DNSProviderTesting
import DNSWire
import Foundation
import Logging
import Testing

@testable import DNSProviders

/// The RFC 2136 provider against a real BIND 9: TSIG-signed updates and transfers, records
/// that appear, change and go, and records Meridian does not own left as they were.
@Suite(.serialized) struct RFC2136BINDTests {
    static let owner = Ownership.owner(federation: "fed")
    static let marker = "\"heritage=meridian,meridian/federation=fed\""

    func records(_ lines: [(String, String)]) -> [ResourceRecord] {
        lines.map { name, ip in ResourceRecord(name: try! DNSName(name), ttl: 5, data: .a(try! IPv4Address(ip))) }
    }

    func provider(_ bind: BINDServer, algorithm: TSIGKey.Algorithm = .hmacSHA256, secret: String? = nil) throws -> RFC2136Provider {
        let text = """
            [Global]
            server = 127.0.0.1
            port = \(bind.port)
            zone = example.test.
            tsig-key-name = \(bind.keyName)
            tsig-secret = \(secret ?? bind.secret)
            tsig-algorithm = \(algorithm.rawValue)
            """
        return try RFC2136Provider(configuration: ProviderConfiguration(parsing: text), defaultZone: "other.test.")
    }

    @Test(arguments: [TSIGKey.Algorithm.hmacSHA256, .hmacSHA512])
    func recordsAppearChangeAndGoWhileForeignOnesStay(algorithm: TSIGKey.Algorithm) async throws {
        let bind = try await BINDServer(
            records: ["foreign IN A 192.0.2.1", "web.east IN TXT \"not ours\"", "keep IN TXT \"v=1\""], algorithm: algorithm.rawValue)
        defer { bind.stop() }
        let reconciler = ProviderSyncReconciler(
            provider: try provider(bind, algorithm: algorithm), desired: DesiredZone(), zone: "example.test.", owner: Self.owner)
        let logger = Logger(label: "test")
        let foreign = ["foreign.example.test. A 192.0.2.1", "keep.example.test. TXT \"v=1\"", "web.east.example.test. TXT \"not ours\""]

        // Appear: the sets and their markers; the name held by a foreign TXT stays foreign.
        var wanted = RecordSet.grouped(
            records([("web.example.test.", "10.0.0.1"), ("web.example.test.", "10.0.0.2"), ("web.west.example.test.", "10.0.0.2")])
                + [ResourceRecord(name: "web.east.example.test.", ttl: 5, data: .cname("web.example.test."))])
        let first = try await reconciler.sync(wanted, logger: logger)
        #expect(first.conflicts.map(\.description) == ["web.east.example.test. CNAME"])
        #expect(
            try await bind.zoneRecords()
                == (foreign + [
                    "_meridian.web.example.test. TXT \(Self.marker)", "_meridian.web.west.example.test. TXT \(Self.marker)",
                    "web.example.test. A 10.0.0.1", "web.example.test. A 10.0.0.2", "web.west.example.test. A 10.0.0.2",
                ]).sorted())

        // Change: an address withdrawn, the region turned into a CNAME.
        wanted = RecordSet.grouped(
            records([("web.example.test.", "10.0.0.1")])
                + [ResourceRecord(name: "web.west.example.test.", ttl: 5, data: .cname("web.example.test."))])
        let second = try await reconciler.sync(wanted, logger: logger)
        #expect(
            second.changes.map(\.description) == [
                "delete web.west.example.test. 5 A 10.0.0.2", "update web.example.test. 5 A 10.0.0.1",
                "create web.west.example.test. 5 CNAME web.example.test.",
            ])
        #expect(
            try await bind.zoneRecords()
                == (foreign + [
                    "_meridian.web.example.test. TXT \(Self.marker)", "_meridian.web.west.example.test. TXT \(Self.marker)",
                    "web.example.test. A 10.0.0.1", "web.west.example.test. CNAME web.example.test.",
                ]).sorted())
        // Nothing differs: nothing is sent.
        #expect(try await reconciler.sync(wanted, logger: logger).changes == [])

        // Gone: only what Meridian did not write is left.
        try await reconciler.sync([], logger: logger)
        #expect(try await bind.zoneRecords() == foreign)
    }

    @Test func aWrongKeyIsRefusedAndNothingChanges() async throws {
        let bind = try await BINDServer(records: ["foreign IN A 192.0.2.1"])
        defer { bind.stop() }
        let wrong = try provider(bind, secret: Data(repeating: 7, count: 32).base64EncodedString())
        await #expect(throws: DNSProviderError.self) { _ = try await wrong.recordSets() }
        let change = RecordSetChange.create(RecordSet(name: "x.example.test.", type: .a, ttl: 5, data: [.a(try IPv4Address("10.0.0.1"))]))
        do throws(DNSProviderError) {
            try await wrong.apply([change])
            Issue.record("an update signed with the wrong key was accepted")
        } catch {
            #expect(error == .rejected(status: "NOTAUTH", message: "unauthorized: the server answered TSIG error BADSIG"))
        }
        #expect(try await bind.zoneRecords() == ["foreign.example.test. A 192.0.2.1"])
    }
}
