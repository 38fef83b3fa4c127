import AsyncHTTPClient
import DNSWire
import Foundation
import NIOHTTP1

/// The PowerDNS Authoritative HTTP API: the zone read with GET …/zones/ZONE, changed with
/// one PATCH of rrsets (changetype REPLACE or DELETE) per batch. Ownership by TXT markers
/// (rrset comments would also do, but markers work the same on every provider).
public struct PowerDNSProvider: DNSProvider {
    public let name = "pdns"
    public let ownership = Ownership.txtRecords
    public let maxBatch = 200

    let zoneURL: String
    let apiKey: String
    let http: ProviderHTTP

    /// From the keys `api-url` (http://host:8081, with or without /api/v1), `api-key`,
    /// `server-id` (localhost); the zone is `zone`.
    public init(configuration c: ProviderConfiguration, zone: DNSName, http: HTTPClient) throws(ProviderConfigurationError) {
        var base = try c.required("api-url")
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/api/v1") { base.removeLast("/api/v1".count) }
        guard URL(string: base)?.host != nil else { throw .invalidValue("api-url", value: base, expected: "a URL") }
        let server = c.optional("server-id") ?? "localhost"
        zoneURL = "\(base)/api/v1/servers/\(URLEncoding.encode(server))/zones/\(URLEncoding.encode(zone.description))"
        apiKey = try c.required("api-key")
        self.http = ProviderHTTP(client: http)
    }

    struct Zone: Codable {
        var rrsets: [RRSet]
    }

    struct RRSet: Codable {
        struct Record: Codable {
            var content: String
            var disabled: Bool
        }

        var name: String
        var type: String
        var ttl: UInt32?
        var changetype: String?
        var records: [Record]?
    }

    public func recordSets() async throws(DNSProviderError) -> [RecordSet] {
        let response = try await http.send(.GET, zoneURL, headers: [("X-API-Key", apiKey)])
        let zone: Zone
        do { zone = try JSONDecoder().decode(Zone.self, from: Data(response.body)) } catch { throw .badResponse("zone: \(error)") }
        var sets: [RecordSet] = []
        for rrset in zone.rrsets {
            guard let type = ManagedTypes.byName[rrset.type] else { continue }
            let records = (rrset.records ?? []).filter { !$0.disabled }
            guard !records.isEmpty else { continue }
            let name: DNSName
            do { name = try DNSName(rrset.name) } catch { throw .badResponse("rrset name \(rrset.name): \(error)") }
            var data: [RData] = []
            for record in records { data.append(try Route53XML.rdata(type, record.content)) }
            sets.append(RecordSet(name: name, type: type, ttl: rrset.ttl ?? 3600, data: data))
        }
        return sets
    }

    public func apply(_ changes: [RecordSetChange]) async throws(DNSProviderError) {
        guard !changes.isEmpty else { return }
        let rrsets = changes.map { change -> RRSet in
            let set = change.set
            if case .delete = change { return RRSet(name: set.name.description, type: "\(set.type)", changetype: "DELETE") }
            return RRSet(
                name: set.name.description, type: "\(set.type)", ttl: set.ttl, changetype: "REPLACE",
                records: set.data.map { RRSet.Record(content: $0.description, disabled: false) })
        }
        let body: Data
        do { body = try JSONEncoder().encode(Zone(rrsets: rrsets)) } catch { throw .badResponse("encoding the patch: \(error)") }
        _ = try await http.send(.PATCH, zoneURL, headers: [("X-API-Key", apiKey), ("Content-Type", "application/json")], body: Array(body))
    }
}
