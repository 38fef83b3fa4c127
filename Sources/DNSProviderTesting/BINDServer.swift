import Foundation

/// A real BIND 9 (`named -g`) serving one zone on a loopback port, taking TSIG-signed
/// updates and transfers, started and stopped by the test that owns it.
public final class BINDServer: Sendable {
    public let port: Int
    public let zone: String
    public let keyName = "meridian-key"
    public let algorithm: String
    /// The key's secret, base64.
    public let secret: String
    let process: ChildProcess

    /// Starts named with `zone` holding `records` (zone-file lines, relative to the zone)
    /// besides its SOA and NS, and waits until it answers.
    public init(zone: String = "example.test", records: [String] = [], algorithm: String = "hmac-sha256") async throws {
        self.zone = zone
        self.algorithm = algorithm
        let directory = try TestEnvironment.temporaryDirectory("bind")
        secret = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        port = TestEnvironment.freePort()
        let zoneFile = """
            $TTL 300
            @ IN SOA ns.\(zone). hostmaster.\(zone). 1 3600 600 86400 60
            @ IN NS ns.\(zone).
            ns IN A 127.0.0.1
            \(records.joined(separator: "\n"))

            """
        try zoneFile.write(to: directory.appendingPathComponent("zone.db"), atomically: true, encoding: .utf8)
        let configuration = """
            options {
                directory "\(directory.path)";
                pid-file none;
                listen-on port \(port) { 127.0.0.1; };
                listen-on-v6 { none; };
                recursion no;
                dnssec-validation no;
                allow-transfer { none; };
            };
            controls { };
            key "\(keyName)" { algorithm \(algorithm); secret "\(secret)"; };
            zone "\(zone)" {
                type primary;
                file "\(directory.path)/zone.db";
                allow-update { key "\(keyName)"; };
                allow-transfer { key "\(keyName)"; };
            };

            """
        let configFile = directory.appendingPathComponent("named.conf")
        try configuration.write(to: configFile, atomically: true, encoding: .utf8)
        process = try ChildProcess("/usr/sbin/named", ["-g", "-n", "1", "-c", configFile.path], directory: directory)
        let (port, zone, key) = (port, zone, "\(algorithm):\(keyName):\(secret)")
        // Over TCP, which updates and transfers use: named can answer on UDP a moment before
        // its TCP listener takes connections. Signed with this server's own key, so that only
        // this named counts (another on the same port fails the signature check).
        let up = await TestEnvironment.poll(timeout: .seconds(20)) { () -> Bool? in
            let soa = try? await TestEnvironment.run(
                "/usr/bin/dig", ["@127.0.0.1", "-p", "\(port)", "-y", key, "+tcp", "+short", "+time=1", "+tries=1", zone, "SOA"])
            return soa?.output.hasPrefix("ns.\(zone). hostmaster.\(zone).") == true ? true : nil
        }
        guard up == true else { throw TestServerError.didNotStart("named", log: process.log) }
    }

    public var pid: Int32 { process.pid }

    /// `name TYPE data` of every record of the zone but the SOA, NS and the server's own A,
    /// by a TSIG-signed `dig AXFR`, sorted.
    public func zoneRecords() async throws -> [String] {
        let result = try await TestEnvironment.run(
            "/usr/bin/dig",
            ["@127.0.0.1", "-p", "\(port)", "-y", "\(algorithm):\(keyName):\(secret)", "+noall", "+answer", "+time=2", zone, "AXFR"])
        return DigOutput.records(result.output).filter {
            !$0.contains(" SOA ") && !$0.hasPrefix("\(zone). NS ") && !$0.hasPrefix("ns.\(zone). A ")
        }.sorted()
    }

    public func stop() { process.stop() }
}

/// Reading dig's answer lines.
public enum DigOutput {
    /// `name TYPE data` of each answer line (TTL and class left out).
    public static func records(_ output: String) -> [String] {
        output.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix(";") else { return nil }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 5 else { return nil }
            return ([fields[0], fields[3]] + fields[4...]).joined(separator: " ")
        }
    }
}

public enum TestServerError: Error, CustomStringConvertible {
    case didNotStart(String, log: String)
    case setupFailed(String)

    public var description: String {
        switch self {
        case .didNotStart(let name, let log): return "\(name) did not start:\n\(log.suffix(3000))"
        case .setupFailed(let message): return message
        }
    }
}
