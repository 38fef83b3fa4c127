import Foundation

/// moto's server (`moto_server`) standing in for AWS on a loopback port, with one Route 53
/// hosted zone made through its API.
public final class MotoServer: Sendable {
    public let port: Int
    public let hostedZoneID: String
    let process: ChildProcess

    /// moto routes a request to its service by the credential scope (it checks no
    /// signature) and reads a form-encoded body as parameters, so the type must say XML.
    static let route53 = [
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/route53/aws4_request, SignedHeaders=host, Signature=0",
        "Content-Type": "application/xml",
    ]

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    public init(zone: String = "example.test.") async throws {
        port = TestEnvironment.freePort()
        let directory = try TestEnvironment.temporaryDirectory("moto")
        let executable = ["/usr/local/bin/moto_server", "/root/.pyenv/shims/moto_server", "/usr/bin/moto_server"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        let process = try ChildProcess(
            executable ?? "/usr/bin/env", (executable == nil ? ["moto_server"] : []) + ["-H", "127.0.0.1", "-p", "\(port)"],
            directory: directory)
        self.process = process
        try await TestHTTP.waitUntilServing("http://127.0.0.1:\(port)/moto-api/", process: process, timeout: .seconds(60))
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Name>\(zone)</Name>\
            <CallerReference>meridian-\(UUID().uuidString)</CallerReference></CreateHostedZoneRequest>
            """
        let created = try await TestHTTP.request(
            "POST", "http://127.0.0.1:\(port)/2013-04-01/hostedzone", headers: Self.route53, body: body)
        guard let start = created.body.range(of: "<Id>/hostedzone/"), let end = created.body[start.upperBound...].range(of: "</Id>") else {
            throw TestServerError.setupFailed("moto did not create the hosted zone: \(created.status) \(created.body)")
        }
        hostedZoneID = String(created.body[start.upperBound..<end.lowerBound])
    }

    /// Adds a record set straight through the API (one Meridian does not own).
    public func create(name: String, type: String, value: String) async throws {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Changes><Change>\
            <Action>CREATE</Action><ResourceRecordSet><Name>\(name)</Name><Type>\(type)</Type><TTL>60</TTL><ResourceRecords>\
            <ResourceRecord><Value>\(value)</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes>\
            </ChangeBatch></ChangeResourceRecordSetsRequest>
            """
        let result = try await TestHTTP.request(
            "POST", "\(endpoint)/2013-04-01/hostedzone/\(hostedZoneID)/rrset", headers: Self.route53, body: body)
        guard result.status == 200 else { throw TestServerError.setupFailed("moto refused \(name): \(result.status) \(result.body)") }
    }

    public func stop() { process.stop() }
}
