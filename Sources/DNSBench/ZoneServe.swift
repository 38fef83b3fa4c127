import ArgumentParser
import DNSServer
import DNSWire
import Foundation
import Logging
import ServiceLifecycle

/// Serves a generated zone of Service names with the built-in server, and writes the same
/// zone as a BIND zone file and a dnsperf query file, so both servers answer the same.
struct ZoneServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve a generated zone; write it for BIND and dnsperf too.")

    @Option(help: "Services in the zone (each: a global, a region and a zone name).")
    var services = 1000

    @Option(help: "UDP/TCP port.")
    var port = 0

    @Option(help: "Write the zone here in BIND's format.")
    var zoneFile: String

    @Option(help: "Write dnsperf queries here.")
    var queryFile: String

    func run() async throws {
        let zone: DNSName = "meridian.local."
        var records: [ResourceRecord] = []
        var queries: [String] = []
        for i in 0..<services {
            let base = "web\(i).default.meridian.svc"
            let global = try zone.prepending(base)
            let region = try zone.prepending("\(base).region-\(i % 3 + 1)")
            let local = try zone.prepending("\(base).region-\(i % 3 + 1)-a.region-\(i % 3 + 1)")
            for j in 1...3 {
                records.append(ResourceRecord(name: global, ttl: 5, data: .a(try IPv4Address("127.\(100 + j).\(i / 250).\(i % 250 + 2)"))))
            }
            records.append(
                ResourceRecord(name: region, ttl: 5, data: .a(try IPv4Address("127.\(100 + i % 3 + 1).\(i / 250).\(i % 250 + 2)"))))
            records.append(ResourceRecord(name: local, ttl: 5, data: .cname(region)))
            queries += ["\(global) A", "\(region) A", "\(local) A", "\(global) AAAA"]
        }
        queries.append("missing.default.meridian.svc.\(zone) A")
        let configuration = ZoneConfiguration(origin: zone, nameServerAddress: try IPv4Address("127.0.0.1"))
        let publisher = ZonePublisher(configuration: configuration, initialSerial: 1)
        await publisher.publish(records)
        let snapshot = publisher.box.snapshot
        var file = "$ORIGIN \(zone)\n$TTL 5\n\(snapshot.soa)\n"
        file += "\(zone) 60 IN NS ns1.\(zone)\nns1.\(zone) 60 IN A 127.0.0.1\n"
        for record in records { file += "\(record)\n" }
        try file.write(toFile: zoneFile, atomically: true, encoding: .utf8)
        try (queries.joined(separator: "\n") + "\n").write(toFile: queryFile, atomically: true, encoding: .utf8)
        var logger = Logger(label: "meridian-dnsbench")
        logger.logLevel = .warning
        let server = DNSServer(host: "127.0.0.1", port: port, box: publisher.box, logger: logger) { port in
            FileHandle.standardOutput.write(Data("DNS server listening on 127.0.0.1:\(port)\n".utf8))
        }
        let group = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
