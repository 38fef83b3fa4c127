import ArgumentParser
import DNSProviders
import DNSWire
import Foundation

/// How the control plane publishes Service DNS: the built-in server's flags and the
/// provider, shared by `serve`, `up` and `init` (which hands them to the control plane it
/// deploys).
struct DNSOptions: ParsableArguments {
    /// kubefed's provider names, plus Meridian's own server.
    static let providers = ["builtin", "rfc2136", "pdns", "aws-route53", "azure-azuredns"]
    /// The providers this build can drive.
    static let availableProviders = ["builtin"] + DNSProviderFactory.names
    static let defaultZone: DNSName = "meridian.local."

    @Option(help: "DNS provider: \(DNSOptions.providers.joined(separator: ", ")).")
    var dnsProvider: String = "builtin"

    @Option(help: "Configuration file of the DNS provider (INI: key = value, optional [Global] section).")
    var dnsProviderConfig: String?

    @Option(help: "Port of the built-in DNS server, UDP and TCP (0 picks a free one; the real one is printed).")
    var dnsPort: Int = 0

    @Option(
        help:
            "Zone Service records live in: names are S.N.FEDERATION.svc[.ZONE.REGION].ZONE-NAME (empty: \(DNSOptions.defaultZone)).")
    var dnsZoneName: String = "meridian.local."

    @Option(help: "TTL in seconds of Service records (a Service's federation.meridian.dev/dns-ttl annotation wins).")
    var dnsTTL: Int = 5

    func validate() throws {
        guard Self.providers.contains(dnsProvider) else {
            throw ValidationError("--dns-provider \(dnsProvider) is not one of \(Self.providers.joined(separator: ", "))")
        }
        guard Self.availableProviders.contains(dnsProvider) else {
            throw ValidationError("--dns-provider \(dnsProvider) is not available in this version yet; use builtin")
        }
        if let dnsProviderConfig, !FileManager.default.isReadableFile(atPath: dnsProviderConfig) {
            throw ValidationError("--dns-provider-config \(dnsProviderConfig) cannot be read")
        }
        guard (0...65535).contains(dnsPort) else { throw ValidationError("--dns-port must be between 0 and 65535, not \(dnsPort)") }
        guard dnsZoneName.isEmpty || ((try? DNSName(dnsZoneName)) != nil && dnsZoneName != ".") else {
            throw ValidationError("--dns-zone-name \(dnsZoneName) is not a domain name")
        }
        guard (0...86400).contains(dnsTTL) else { throw ValidationError("--dns-ttl must be between 0 and 86400, not \(dnsTTL)") }
    }

    /// The zone; an empty `--dns-zone-name` (as the seed passes it) means the default.
    var zone: DNSName { dnsZoneName.isEmpty ? Self.defaultZone : ((try? DNSName(dnsZoneName)) ?? Self.defaultZone) }

    /// The provider configuration file's content, if one was given.
    func configurationText() throws -> String? {
        guard let dnsProviderConfig else { return nil }
        do {
            return try String(contentsOfFile: dnsProviderConfig, encoding: .utf8)
        } catch {
            throw CLIError("cannot read --dns-provider-config \(dnsProviderConfig): \(error.localizedDescription)")
        }
    }
}
