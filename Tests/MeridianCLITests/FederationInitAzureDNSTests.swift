import DNSProviderTesting
import DNSProviders
import Foundation
import Testing

/// The seed's Azure walkthrough: `meridian init … --dns-provider=azure-azuredns
/// --dns-zone-name=ZONE --dns-provider-config=dns.conf`, the control plane (a process pod)
/// writing the federated load balancer's names into Azure DNS (a local fake of its
/// documented API: Azure cannot be reached from here).
@Suite struct FederationInitAzureDNSTests {
    @Test func initWithAzureDNSWritesTheServiceNames() async throws {
        let azure = try await FakeAzureDNS(zone: "example.test", seeds: ["A:foreign:192.0.2.1"])
        defer { azure.stop() }
        let seed = try FederationInitTests.Seed()
        let dnsConf = seed.root.appendingPathComponent("dns.conf")
        try azure.configuration().write(to: dnsConf, atomically: true, encoding: .utf8)
        let initialized = try seed.meridian([
            "init", "myfederation", "--host-cluster-context=westuscluster1", "--timeout=60", "--dns-provider=azure-azuredns",
            "--dns-zone-name=example.test", "--dns-provider-config=\(dnsConf.path)",
        ])
        #expect(initialized.status == 0, "\(initialized.error)")
        #expect(try seed.kubectl(["config", "use-context", "myfederation"]).status == 0)
        for cluster in ["westuscluster1", "eastuscluster1"] {
            let joined = try seed.meridian(["join", cluster, "--host-cluster-context=westuscluster1", "--cluster-context=\(cluster)"])
            #expect(joined.status == 0, "\(joined.error)")
        }
        try seed.eventually(["get", "clusters", "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.state} {end}"]) {
            $0.output == "eastuscluster1=Ready westuscluster1=Ready "
        }
        #expect(try seed.kubectl(["create", "-f", "-"], input: FederationInitTests.scenarios).status == 0)
        #expect(try seed.kubectl(["create", "-f", "-"], input: FederationInitTests.calculatorLB).status == 0)
        var ip: [String: String] = [:]
        for member in ["westuscluster1", "eastuscluster1"] {
            ip[member] = try seed.eventually(
                ["--context", member, "get", "service", "calculatorlb", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}"],
                timeout: .seconds(60)
            ) { !$0.output.isEmpty }.output
        }

        // What Azure DNS holds, read back through its API, owners in metadata.
        let reader = try AzureDNSProvider(
            configuration: ProviderConfiguration(parsing: azure.configuration()), zone: "example.test.", http: .shared)
        func zone() async throws -> [String] {
            try await reader.recordSets().flatMap { set in set.data.map { "\(set.name) \(set.type) \($0) \(set.owner ?? "-")" } }.sorted()
        }
        func orRead(_ seen: [String]?) async throws -> [String] {
            if let seen { return seen }
            return try await zone()
        }
        let owner = "heritage=meridian,meridian/federation=myfederation"
        let name = "calculatorlb.default.myfederation.svc."
        let (west, east) = (ip["westuscluster1"]!, ip["eastuscluster1"]!)
        let expected = [
            "foreign.example.test. A 192.0.2.1 -", "\(name)example.test. A \(west) \(owner)", "\(name)example.test. A \(east) \(owner)",
            "\(name)westus.example.test. A \(west) \(owner)", "\(name)westus-a.westus.example.test. A \(west) \(owner)",
            "\(name)eastus.example.test. A \(east) \(owner)", "\(name)eastus-a.eastus.example.test. A \(east) \(owner)",
        ].sorted()
        let written = await TestEnvironment.poll(timeout: .seconds(60)) { () -> [String]? in
            let records = try? await zone()
            return records == expected ? records : nil
        }
        #expect(try await orRead(written) == expected)

        // The Service goes, and so do its names; the foreign record stays.
        #expect(try seed.kubectl(["delete", "service", "calculatorlb"]).status == 0)
        let cleaned = await TestEnvironment.poll(timeout: .seconds(30)) { () -> [String]? in
            let records = try? await zone()
            return records == ["foreign.example.test. A 192.0.2.1 -"] ? records : nil
        }
        #expect(try await orRead(cleaned) == ["foreign.example.test. A 192.0.2.1 -"])
    }
}
