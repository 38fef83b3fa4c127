import Foundation

/// The local stand-in for Azure DNS and its token endpoint (Tests/Support/fake-azure-dns.py),
/// run by the test on a loopback port. Azure itself cannot be reached from here.
public final class FakeAzureDNS: Sendable {
    public let port: Int
    public let tenant = "tenant-1"
    public let clientID = "meridian-app"
    public let secret = "s3cret"
    public let subscription = "0000-sub"
    public let resourceGroup = "fed-dns-rg"
    public let zone: String
    let process: ChildProcess

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// The script, found from this file: Sources/DNSProviderTesting → Tests/Support.
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/Support/fake-azure-dns.py").path
    }

    /// Starts the fake holding `zone` (no trailing dot) and `seeds` (`TYPE:relative-name:value`).
    public init(zone: String = "example.test", seeds: [String] = []) async throws {
        self.zone = zone
        port = TestEnvironment.freePort()
        let directory = try TestEnvironment.temporaryDirectory("azure")
        process = try ChildProcess(
            "/usr/bin/env", ["python3", Self.script, "\(port)", tenant, clientID, secret, subscription, resourceGroup, zone] + seeds,
            directory: directory)
        try await TestHTTP.waitUntilServing(endpoint, process: process)
    }

    /// The seed's dns.conf for this fake (`[Global]`, the seed's keys plus the overrides).
    public func configuration(secret: String? = nil) -> String {
        """
        [Global]
        subscription-id = \(subscription)
        tenant-id = \(tenant)
        client-id = \(clientID)
        secret = \(secret ?? self.secret)
        resourceGroup = \(resourceGroup)
        endpoint = \(endpoint)
        authority-endpoint = \(endpoint)

        """
    }

    public var requestLog: String { process.log }

    public func stop() { process.stop() }
}
