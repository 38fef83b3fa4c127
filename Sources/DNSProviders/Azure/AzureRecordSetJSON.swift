import DNSWire
import Foundation

/// Azure DNS record-set JSON (2018-05-01): `properties.TTL`, `metadata` and one of
/// `ARecords`, `AAAARecords`, `CNAMERecord`, `TXTRecords`.
enum AzureRecordSetJSON {
    struct Page: Decodable {
        var value: [Item]
        var nextLink: String?
    }

    struct Item: Codable {
        var name: String?
        var type: String?
        var etag: String?
        var properties: Properties
    }

    struct Properties: Codable {
        struct A: Codable { var ipv4Address: String }
        struct AAAA: Codable { var ipv6Address: String }
        struct CNAME: Codable { var cname: String }
        struct TXT: Codable { var value: [String] }

        var TTL: UInt32?
        var metadata: [String: String]?
        var ARecords: [A]?
        var AAAARecords: [AAAA]?
        var CNAMERecord: CNAME?
        var TXTRecords: [TXT]?
    }

    /// The managed sets of one listing page with their ETags.
    static func page(_ body: [UInt8], zone: DNSName) throws(DNSProviderError) -> (sets: [(RecordSet, String?)], nextLink: String?) {
        let page: Page
        do { page = try JSONDecoder().decode(Page.self, from: Data(body)) } catch { throw .badResponse("record sets: \(error)") }
        var sets: [(RecordSet, String?)] = []
        for item in page.value {
            guard let typeName = item.type?.split(separator: "/").last, let relative = item.name else { continue }
            let p = item.properties
            let type: RecordType
            var data: [RData] = []
            do {
                switch typeName.uppercased() {
                case "A":
                    type = .a
                    data = try (p.ARecords ?? []).map { record throws(DNSTextError) in .a(try IPv4Address(record.ipv4Address)) }
                case "AAAA":
                    type = .aaaa
                    data = try (p.AAAARecords ?? []).map { record throws(DNSTextError) in .aaaa(try IPv6Address(record.ipv6Address)) }
                case "CNAME":
                    type = .cname
                    if let cname = p.CNAMERecord?.cname { data = [.cname(try DNSName(cname))] }
                case "TXT":
                    type = .txt
                    data = (p.TXTRecords ?? []).map { .txt($0.value.map { Array($0.utf8) }) }
                default: continue
                }
                guard !data.isEmpty else { continue }
                let name = relative == "@" ? zone : try zone.prepending(relative)
                let owner = p.metadata?[AzureDNSProvider.ownerKey]
                sets.append((RecordSet(name: name, type: type, ttl: p.TTL ?? 3600, data: data, owner: owner), item.etag))
            } catch {
                throw .badResponse("record set \(relative) \(typeName): \(error)")
            }
        }
        return (sets, page.nextLink)
    }

    /// The body of a PUT: TTL, the owner in metadata, the records.
    static func body(_ set: RecordSet) throws(DNSProviderError) -> [UInt8] {
        var p = Properties(TTL: set.ttl, metadata: set.owner.map { [AzureDNSProvider.ownerKey: $0] })
        for data in set.data {
            switch data {
            case .a(let ip): p.ARecords = (p.ARecords ?? []) + [.init(ipv4Address: ip.description)]
            case .aaaa(let ip): p.AAAARecords = (p.AAAARecords ?? []) + [.init(ipv6Address: ip.description)]
            case .cname(let target): p.CNAMERecord = .init(cname: target.description)
            case .txt(let strings):
                p.TXTRecords = (p.TXTRecords ?? []) + [.init(value: strings.map { String(decoding: $0, as: UTF8.self) })]
            default: continue
            }
        }
        do { return Array(try JSONEncoder().encode(Item(properties: p))) } catch { throw .badResponse("encoding \(set.name): \(error)") }
    }

    /// The name relative to the zone, `@` for the apex.
    static func relativeName(_ name: DNSName, zone: DNSName) -> String {
        let full = name.lowercased.description
        let suffix = "." + zone.lowercased.description
        return full.hasSuffix(suffix) ? String(full.dropLast(suffix.count)) : "@"
    }
}
