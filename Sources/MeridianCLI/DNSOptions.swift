import ArgumentParser
import Foundation

/// How the control plane publishes Service DNS: shared by `init` (which hands them to the
/// control plane it deploys) and `serve`.
struct DNSOptions: ParsableArguments {
    /// kubefed's provider names, plus Meridian's own server.
    static let providers = ["builtin", "rfc2136", "pdns", "aws-route53", "azure-azuredns"]
    /// The providers this build can drive.
    static let availableProviders = ["builtin"]

    @Option(help: "DNS provider: \(DNSOptions.providers.joined(separator: ", ")).")
    var dnsProvider: String = "builtin"

    @Option(help: "DNS zone the federation's Service records live in (empty: the provider's default).")
    var dnsZoneName: String = ""

    @Option(help: "Configuration file of the DNS provider (INI: key = value, optional [Global] section).")
    var dnsProviderConfig: String?

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
    }

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
