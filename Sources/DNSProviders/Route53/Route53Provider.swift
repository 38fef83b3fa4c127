import AsyncHTTPClient
import DNSWire
import Foundation
import NIOHTTP1

/// Amazon Route 53: ListResourceRecordSets (every page) and ChangeResourceRecordSets
/// (one atomic batch per apply), signed with SigV4. Route 53 has no tags on record sets,
/// so ownership is by TXT markers.
public struct Route53Provider: DNSProvider {
    public let name = "aws-route53"
    public let ownership = Ownership.txtRecords
    /// Route 53 takes at most 1,000 changes (and 32,000 characters of values) per batch.
    public let maxBatch = 100

    let endpoint: URL
    let hostedZoneID: String
    let signer: SigV4
    let http: ProviderHTTP

    /// From the keys `access-key-id`, `secret-access-key`, `hosted-zone-id`, and optional
    /// `endpoint` (https://route53.amazonaws.com) and `region` (us-east-1).
    public init(configuration c: ProviderConfiguration, http: HTTPClient) throws(ProviderConfigurationError) {
        let endpointText = c.optional("endpoint") ?? "https://route53.amazonaws.com"
        guard let endpoint = URL(string: endpointText), endpoint.host != nil else {
            throw .invalidValue("endpoint", value: endpointText, expected: "a URL")
        }
        self.endpoint = endpoint
        let zone = try c.required("hosted-zone-id")
        hostedZoneID = zone.hasPrefix("/hostedzone/") ? String(zone.dropFirst("/hostedzone/".count)) : zone
        signer = SigV4(
            accessKeyID: try c.required("access-key-id"), secretAccessKey: try c.required("secret-access-key"),
            region: c.optional("region") ?? "us-east-1", service: "route53")
        self.http = ProviderHTTP(client: http)
    }

    var path: String { "/2013-04-01/hostedzone/\(hostedZoneID)/rrset" }

    public func recordSets() async throws(DNSProviderError) -> [RecordSet] {
        var sets: [RecordSet] = []
        var query: [(String, String)] = [("maxitems", "300")]
        for _ in 0..<10_000 {
            let response = try await send(.GET, query: query, body: [])
            let page = try Route53XML.page(response.body)
            sets += page.sets
            guard let next = page.next else { return sets.filter { ManagedTypes.all.contains($0.type) } }
            query = [("maxitems", "300"), ("name", next.name), ("type", next.type)]
        }
        throw .badResponse("ListResourceRecordSets did not end after 10,000 pages")
    }

    public func apply(_ changes: [RecordSetChange]) async throws(DNSProviderError) {
        guard !changes.isEmpty else { return }
        _ = try await send(.POST, query: [], body: Route53XML.changeBatch(changes))
    }

    private func send(_ method: HTTPMethod, query: [(String, String)], body: [UInt8]) async throws(DNSProviderError)
        -> ProviderHTTP.Response
    {
        let host = endpoint.host! + (endpoint.port.map { ":\($0)" } ?? "")
        var headers = signer.headers(method: method.rawValue, host: host, path: path, query: query, body: body, date: Date())
        if method == .POST { headers.append(("Content-Type", "application/xml")) }
        let queryText = URLEncoding.query(query)
        let base = endpoint.absoluteString.hasSuffix("/") ? String(endpoint.absoluteString.dropLast()) : endpoint.absoluteString
        return try await http.send(
            method, base + path + (queryText.isEmpty ? "" : "?" + queryText), headers: headers, body: body.isEmpty ? nil : body)
    }
}
