import ArgumentParser
import DNSWire

/// The built-in DNS server's flags, shared by `serve` and `up`.
struct DNSOptions: ParsableArguments {
    @Option(help: "Port of the built-in DNS server, UDP and TCP (0 picks a free one; the real one is printed).")
    var dnsPort: Int = 0

    @Option(help: "Zone the built-in DNS server is authoritative for: Service names are S.N.FEDERATION.svc[.ZONE.REGION].ZONE-NAME.")
    var dnsZoneName: String = "meridian.local."

    @Option(help: "TTL in seconds of Service records (a Service's federation.meridian.dev/dns-ttl annotation wins).")
    var dnsTTL: Int = 5

    func validate() throws {
        guard (0...65535).contains(dnsPort) else { throw ValidationError("--dns-port must be between 0 and 65535, not \(dnsPort)") }
        guard (try? DNSName(dnsZoneName)) != nil, !dnsZoneName.isEmpty, dnsZoneName != "." else {
            throw ValidationError("--dns-zone-name \(dnsZoneName) is not a domain name")
        }
        guard (0...86400).contains(dnsTTL) else { throw ValidationError("--dns-ttl must be between 0 and 86400, not \(dnsTTL)") }
    }

    var zone: DNSName { (try? DNSName(dnsZoneName)) ?? "meridian.local." }
}
