import AsyncHTTPClient
import DNSProviderTesting
import DNSWire
import Testing

@testable import DNSProviders

/// The HTTP providers against real servers run by the test: PowerDNS, and moto for Route 53.
@Suite(.serialized) struct HTTPProvidersTests {
    @Test func powerDNSRecordsAppearChangeAndGo() async throws {
        let pdns = try await PowerDNSServer(records: [
            ("foreign.example.test.", "A", "192.0.2.1"), ("web.east.example.test.", "TXT", "\"not ours\""),
        ])
        defer { pdns.stop() }
        let configuration = try ProviderConfiguration(
            parsing: "api-url = \(pdns.apiURL)/api/v1\napi-key = \(pdns.apiKey)\nserver-id = localhost")
        let provider = try PowerDNSProvider(configuration: configuration, zone: "example.test.", http: .shared)
        try await ProviderScenario.run(provider)
        // What PowerDNS answers on the wire agrees.
        #expect(try await pdns.dig("foreign.example.test.") == ["foreign.example.test. A 192.0.2.1"])
        #expect(try await pdns.dig("web.example.test.") == [])
    }

    @Test func powerDNSAnswersWhatWasWritten() async throws {
        let pdns = try await PowerDNSServer()
        defer { pdns.stop() }
        let provider = try PowerDNSProvider(
            configuration: ProviderConfiguration(values: ["api-url": pdns.apiURL, "api-key": pdns.apiKey]), zone: "example.test.",
            http: .shared)
        let reconciler = ProviderSyncReconciler(
            provider: provider, desired: DesiredZone(), zone: "example.test.", owner: ProviderScenario.owner)
        try await reconciler.sync(
            RecordSet.grouped([
                ProviderScenario.address("web.example.test.", "10.0.0.1"), ProviderScenario.address("web.example.test.", "10.0.0.2"),
            ]),
            logger: .init(label: "test"))
        #expect(try await pdns.dig("web.example.test.") == ["web.example.test. A 10.0.0.1", "web.example.test. A 10.0.0.2"])
        #expect(
            try await pdns.dig("_meridian.web.example.test.", "TXT") == ["_meridian.web.example.test. TXT \"\(ProviderScenario.owner)\""])
    }

    @Test func wrongPowerDNSKeyIsUnauthorized() async throws {
        let pdns = try await PowerDNSServer()
        defer { pdns.stop() }
        let provider = try PowerDNSProvider(
            configuration: ProviderConfiguration(values: ["api-url": pdns.apiURL, "api-key": "wrong"]), zone: "example.test.", http: .shared
        )
        await #expect(throws: DNSProviderError.self) { _ = try await provider.recordSets() }
    }

    @Test func route53RecordsAppearChangeAndGoInMoto() async throws {
        let moto = try await MotoServer()
        defer { moto.stop() }
        try await moto.create(name: "foreign.example.test.", type: "A", value: "192.0.2.1")
        try await moto.create(name: "web.east.example.test.", type: "TXT", value: "\"not ours\"")
        let configuration = try ProviderConfiguration(
            parsing: """
                access-key-id = AKIDEXAMPLE
                secret-access-key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
                hosted-zone-id = /hostedzone/\(moto.hostedZoneID)
                endpoint = \(moto.endpoint)
                region = us-east-1
                """)
        try await ProviderScenario.run(try Route53Provider(configuration: configuration, http: .shared))
    }

    @Test func route53ListingFollowsPagination() async throws {
        let moto = try await MotoServer()
        defer { moto.stop() }
        let provider = try Route53Provider(
            configuration: ProviderConfiguration(values: [
                "access-key-id": "a", "secret-access-key": "s", "hosted-zone-id": moto.hostedZoneID, "endpoint": moto.endpoint,
            ]), http: .shared)
        // 400 names (and as many markers): more than one page of 300.
        let records = (0..<400).map { ProviderScenario.address(try! DNSName("n\($0).example.test."), "10.1.\($0 / 256).\($0 % 256)") }
        let reconciler = ProviderSyncReconciler(
            provider: provider, desired: DesiredZone(), zone: "example.test.", owner: ProviderScenario.owner)
        try await reconciler.sync(RecordSet.grouped(records), logger: .init(label: "test"))
        let sets = try await provider.recordSets().filter { $0.type == .a }
        #expect(sets.count == 400)
        #expect(Set(sets.flatMap(\.records)) == Set(records))
        #expect(try await reconciler.sync(RecordSet.grouped(records), logger: .init(label: "test")).changes == [])
    }
}

/// Azure DNS against the local fake of its documented subset (Azure is unreachable here).
@Suite(.serialized) struct AzureDNSProviderTests {
    @Test func recordsAppearChangeAndGoWithOwnersInMetadata() async throws {
        let azure = try await FakeAzureDNS(seeds: ["A:foreign:192.0.2.1", "TXT:web.east:not ours"])
        defer { azure.stop() }
        let provider = try AzureDNSProvider(
            configuration: ProviderConfiguration(parsing: azure.configuration()), zone: "example.test.", http: .shared)
        try await ProviderScenario.run(provider)
        // One token for the whole story, pages followed (three sets a page).
        #expect(azure.requestLog.components(separatedBy: "POST /tenant-1/oauth2/token").count == 2)
        #expect(azure.requestLog.contains("$skiptoken=3"))
    }

    @Test func aWrongSecretIsUnauthorized() async throws {
        let azure = try await FakeAzureDNS()
        defer { azure.stop() }
        let provider = try AzureDNSProvider(
            configuration: ProviderConfiguration(parsing: azure.configuration(secret: "wrong")), zone: "example.test.", http: .shared)
        do throws(DNSProviderError) {
            _ = try await provider.recordSets()
            Issue.record("listed with a wrong secret")
        } catch {
            guard case .unauthorized = error else { return #expect(Bool(false), "\(error)") }
        }
    }
}
