import DNSProviderTesting
import Foundation
import Testing

/// `meridian serve --dns-provider rfc2136` writing to a real BIND 9: kubefed's names appear
/// in BIND, follow endpoint health and go with the Service, and a record Meridian does not
/// own stays.
@Suite(.serialized) struct ServiceDNSProviderTests {
    static let zone = "meridian.test"
    static let service = """
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
         "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"name": "http", "port": 8080, "targetPort": "http"}]}}
        """

    @Test func rfc2136RecordsFollowServicesAndHealthInBIND() async throws {
        let bind = try await BINDServer(zone: Self.zone, records: ["foreign IN A 192.0.2.1"])
        defer { bind.stop() }
        let config = try TestEnvironment.temporaryDirectory("rfc2136").appendingPathComponent("dns.conf")
        try """
        [Global]
        server = 127.0.0.1
        port = \(bind.port)
        tsig-key-name = \(bind.keyName)
        tsig-secret = \(bind.secret)
        tsig-algorithm = hmac-sha256
        """.write(to: config, atomically: true, encoding: .utf8)
        let fed = try FederationFixture(
            members: [("dnsp-a", "east"), ("dnsp-b", "west")],
            serveArguments: ["--dns-provider", "rfc2136", "--dns-provider-config", config.path, "--dns-zone-name", "\(Self.zone)."])
        try fed.joinAll()
        var ip: [String: String] = [:]
        for (i, member) in ["dnsp-a", "dnsp-b"].enumerated() {
            let sandbox = try #require(fed.members[member])
            try sandbox.createPod("web-1")
            try sandbox.setPodStatus("web-1", ip: "10.8.\(i).11", ready: true)
            ip[member] = LoadBalancerAnswer.prefix(member) + ".2"
        }
        #expect(try fed.kubectl(["apply", "-f", "-"], input: Self.service).status == 0)

        let base = "web.default.\(fed.federationName).svc."
        func name(_ suffix: String = "") -> String { "\(base)\(suffix)\(Self.zone)." }
        let marker = "TXT \"heritage=meridian,meridian/federation=\(fed.federationName)\""
        let markers = ["", "east.", "east-a.east.", "west.", "west-a.west."].map { "_meridian.\(name($0)) \(marker)" }
        let foreign = ["foreign.\(Self.zone). A 192.0.2.1"]
        func converges(to expected: [String], within timeout: Duration) async throws -> [String] {
            let sorted = expected.sorted()
            let seen = await TestEnvironment.poll(timeout: timeout) { () -> [String]? in
                let records = try? await bind.zoneRecords()
                return records == sorted ? records : nil
            }
            if let seen { return seen }
            return try await bind.zoneRecords()
        }

        let healthy =
            foreign + markers + [
                "\(name()) A \(ip["dnsp-a"]!)", "\(name()) A \(ip["dnsp-b"]!)", "\(name("east.")) A \(ip["dnsp-a"]!)",
                "\(name("east-a.east.")) A \(ip["dnsp-a"]!)", "\(name("west.")) A \(ip["dnsp-b"]!)",
                "\(name("west-a.west.")) A \(ip["dnsp-b"]!)",
            ]
        #expect(try await converges(to: healthy, within: .seconds(60)) == healthy.sorted())

        // dnsp-b's only pod stops being ready: its address leaves BIND, west falls back.
        try fed.members["dnsp-b"]!.setPodStatus("web-1", ip: "10.8.1.11", ready: false)
        let withdrawn =
            foreign + markers + [
                "\(name()) A \(ip["dnsp-a"]!)", "\(name("east.")) A \(ip["dnsp-a"]!)", "\(name("east-a.east.")) A \(ip["dnsp-a"]!)",
                "\(name("west.")) CNAME \(name())", "\(name("west-a.west.")) CNAME \(name("west."))",
            ]
        #expect(try await converges(to: withdrawn, within: .seconds(10)) == withdrawn.sorted())

        // The Service goes: so does everything Meridian wrote, and only that.
        #expect(try fed.kubectl(["delete", "service", "web"]).status == 0)
        #expect(try await converges(to: foreign, within: .seconds(20)) == foreign)
        let metrics = try fed.kubectl(["get", "--raw", "/metrics"]).output
        #expect(metrics.contains("meridian_dns_provider_changes_total{provider=\"rfc2136\"}"))
    }
}
