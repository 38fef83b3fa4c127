import AsyncHTTPClient
import DNSWire
import Foundation
import NIOHTTP1

/// Azure DNS (REST API 2018-05-01): record sets listed under the zone, written with PUT
/// and removed with DELETE, one call per change, guarded by ETags (`If-None-Match: *` on
/// create, `If-Match` on update and delete) so a set changed behind our back is not
/// overwritten. Ownership by the record set's own `metadata` (provider-side tags).
public actor AzureDNSProvider: DNSProvider {
    public nonisolated let name = "azure-azuredns"
    public nonisolated let ownership = Ownership.providerTags
    public nonisolated let maxBatch = 50
    static let apiVersion = "2018-05-01"
    /// The metadata key holding the owner string.
    static let ownerKey = "meridian_owner"

    let zoneURL: String
    let zone: DNSName
    let token: AzureADToken
    let http: ProviderHTTP
    /// ETags seen by the last listing.
    private var etags: [RecordSet.Key: String] = [:]

    /// From the seed's keys `subscription-id`, `tenant-id`, `client-id`, `secret`,
    /// `resourceGroup`, and optional `endpoint` (https://management.azure.com) and
    /// `authority-endpoint` (https://login.microsoftonline.com).
    public init(configuration c: ProviderConfiguration, zone: DNSName, http client: HTTPClient) throws(ProviderConfigurationError) {
        let endpoint = Self.trimmed(c.optional("endpoint") ?? "https://management.azure.com")
        let authority = Self.trimmed(c.optional("authority-endpoint") ?? "https://login.microsoftonline.com")
        for (key, value) in [("endpoint", endpoint), ("authority-endpoint", authority)] where URL(string: value)?.host == nil {
            throw .invalidValue(key, value: value, expected: "a URL")
        }
        let subscription = try c.required("subscription-id")
        let group = try c.required("resourceGroup")
        let zoneText = zone.description.hasSuffix(".") ? String(zone.description.dropLast()) : zone.description
        zoneURL =
            "\(endpoint)/subscriptions/\(URLEncoding.encode(subscription))/resourceGroups/\(URLEncoding.encode(group))"
            + "/providers/Microsoft.Network/dnsZones/\(URLEncoding.encode(zoneText))"
        self.zone = zone
        http = ProviderHTTP(client: client)
        token = AzureADToken(
            authority: authority, tenant: try c.required("tenant-id"), clientID: try c.required("client-id"),
            secret: try c.required("secret"),
            resource: endpoint + "/", http: http)
    }

    static func trimmed(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    public func recordSets() async throws(DNSProviderError) -> [RecordSet] {
        var sets: [RecordSet] = []
        var etags: [RecordSet.Key: String] = [:]
        var next: String? = "\(zoneURL)/recordsets?api-version=\(Self.apiVersion)"
        var pages = 0
        while let url = next, pages < 10_000 {
            pages += 1
            let page = try AzureRecordSetJSON.page(try await send(.GET, url).body, zone: zone)
            for (set, etag) in page.sets {
                sets.append(set)
                etags[set.key] = etag
            }
            next = page.nextLink
        }
        self.etags = etags
        return sets
    }

    public func apply(_ changes: [RecordSetChange]) async throws(DNSProviderError) {
        for change in changes {
            let set = change.set
            let url =
                "\(zoneURL)/\(set.type)/\(URLEncoding.encode(AzureRecordSetJSON.relativeName(set.name, zone: zone)))?api-version=\(Self.apiVersion)"
            switch change {
            case .create:
                _ = try await send(.PUT, url, body: try AzureRecordSetJSON.body(set), condition: ("If-None-Match", "*"))
            case .update:
                _ = try await send(.PUT, url, body: try AzureRecordSetJSON.body(set), condition: etags[set.key].map { ("If-Match", $0) })
            case .delete:
                _ = try await send(.DELETE, url, condition: etags[set.key].map { ("If-Match", $0) })
            }
            etags[set.key] = nil
        }
    }

    /// One management call with a bearer token, fetched again once if it was refused.
    private func send(_ method: HTTPMethod, _ url: String, body: [UInt8]? = nil, condition: (String, String)? = nil)
        async throws(DNSProviderError) -> ProviderHTTP.Response
    {
        var refresh = false
        while true {
            let bearer = try await token.token(refresh: refresh)
            var headers = [("Authorization", "Bearer \(bearer)")]
            if body != nil { headers.append(("Content-Type", "application/json")) }
            if let condition { headers.append(condition) }
            do throws(DNSProviderError) {
                return try await http.send(method, url, headers: headers, body: body)
            } catch {
                guard case .unauthorized = error, !refresh else { throw error }
                refresh = true
            }
        }
    }
}
