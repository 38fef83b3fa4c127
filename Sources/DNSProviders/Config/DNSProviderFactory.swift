import AsyncHTTPClient
import DNSWire

/// Makes the provider `--dns-provider` names from its configuration file.
public enum DNSProviderFactory {
    /// The external providers this build drives.
    public static let names = ["rfc2136", "pdns", "aws-route53", "azure-azuredns"]

    /// The provider called `name`, configured by `text` (the INI file), for `zone`.
    public static func make(name: String, configurationText text: String?, zone: DNSName, http: HTTPClient = .shared)
        throws(ProviderConfigurationError) -> any DNSProvider
    {
        guard names.contains(name) else { throw .unknownProvider(name) }
        guard let text else { throw .missingConfiguration(provider: name) }
        let configuration = try ProviderConfiguration(parsing: text)
        switch name {
        case "rfc2136": return try RFC2136Provider(configuration: configuration, defaultZone: zone)
        case "pdns": return try PowerDNSProvider(configuration: configuration, zone: zone, http: http)
        case "aws-route53": return try Route53Provider(configuration: configuration, http: http)
        case "azure-azuredns": return try AzureDNSProvider(configuration: configuration, zone: zone, http: http)
        default: throw .unknownProvider(name)
        }
    }
}
