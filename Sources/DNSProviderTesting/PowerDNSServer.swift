import Foundation

/// A real PowerDNS Authoritative server (`pdns_server`) with a fresh SQLite database, its
/// HTTP API on a loopback port, holding one zone created through that API.
public final class PowerDNSServer: Sendable {
    public let apiPort: Int
    public let dnsPort: Int
    public let apiKey = "meridian-test-key"
    public let zone: String
    let process: ChildProcess

    public var apiURL: String { "http://127.0.0.1:\(apiPort)" }

    /// Starts the server and creates `zone` with `records` (`name type ttl content`) besides SOA and NS.
    public init(zone: String = "example.test.", records: [(name: String, type: String, content: String)] = []) async throws {
        self.zone = zone
        let directory = try TestEnvironment.temporaryDirectory("pdns")
        let database = directory.appendingPathComponent("pdns.sqlite3").path
        let schema = "/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql"
        let made = try await TestEnvironment.run(
            "/usr/bin/env",
            ["python3", "-c", "import sqlite3,sys; sqlite3.connect(sys.argv[1]).executescript(open(sys.argv[2]).read())", database, schema])
        guard made.status == 0 else { throw TestServerError.setupFailed("could not create the PowerDNS database from \(schema)") }
        apiPort = TestEnvironment.freePort()
        dnsPort = TestEnvironment.freePort()
        process = try ChildProcess(
            "/usr/sbin/pdns_server",
            [
                "--no-config", "--daemon=no", "--guardian=no", "--disable-syslog", "--write-pid=no", "--socket-dir=\(directory.path)",
                "--launch=gsqlite3", "--gsqlite3-database=\(database)", "--local-address=127.0.0.1", "--local-port=\(dnsPort)",
                "--api=yes", "--api-key=\(apiKey)", "--webserver=yes", "--webserver-address=127.0.0.1", "--webserver-port=\(apiPort)",
                "--webserver-allow-from=127.0.0.0/8", "--distributor-threads=1", "--receiver-threads=1", "--cache-ttl=0",
                "--query-cache-ttl=0", "--negquery-cache-ttl=0", "--zone-cache-refresh-interval=0",
            ], directory: directory)
        try await TestHTTP.waitUntilServing("\(apiURL)/api/v1/servers", process: process)
        let rrsets = records.map {
            "{\"name\": \"\($0.name)\", \"type\": \"\($0.type)\", \"ttl\": 60, \"records\": [{\"content\": \"\($0.content.replacingOccurrences(of: "\"", with: "\\\""))\", \"disabled\": false}]}"
        }
        let body = """
            {"name": "\(zone)", "kind": "Native", "nameservers": ["ns.\(zone)"], "rrsets": [\(rrsets.joined(separator: ","))]}
            """
        let created = try await TestHTTP.request(
            "POST", "\(apiURL)/api/v1/servers/localhost/zones", headers: ["X-API-Key": apiKey, "Content-Type": "application/json"],
            body: body)
        guard created.status == 201 else { throw TestServerError.setupFailed("creating \(zone): \(created.status) \(created.body)") }
    }

    /// `name TYPE data` as dig gets them from the server's DNS port.
    public func dig(_ name: String, _ type: String = "A") async throws -> [String] {
        let result = try await TestEnvironment.run(
            "/usr/bin/dig", ["@127.0.0.1", "-p", "\(dnsPort)", "+norec", "+noall", "+answer", "+time=1", "+tries=1", name, type])
        return DigOutput.records(result.output).sorted()
    }

    public func stop() { process.stop() }
}
