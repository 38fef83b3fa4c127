import DNSWire

/// How Meridian knows a record set is its own, as ExternalDNS does it.
///
/// - `txtRecords`: for every owned name N a TXT set at `_meridian.N` holding
///   `"heritage=meridian,meridian/federation=F"`. It sits under N rather than at N
///   because a CNAME at N allows no other data there. Any server can hold it
///   (RFC 2136, PowerDNS, Route 53).
/// - `providerTags`: the provider keeps the owner on the set itself (Azure DNS record set
///   `metadata`), no extra records.
public enum Ownership: Hashable, Sendable {
    case txtRecords
    case providerTags

    /// The label the TXT marker of a name is put under.
    public static let markerLabel = "_meridian"

    /// The owner string of federation `federation`.
    public static func owner(federation: String) -> String { "heritage=meridian,meridian/federation=\(federation)" }

    /// Where the TXT marker of `name` lives.
    public static func markerName(of name: DNSName) -> DNSName? { try? name.prepending(markerLabel) }

    /// The name a marker at `marker` vouches for, if it is a marker name.
    public static func markedName(_ marker: DNSName) -> DNSName? {
        guard let first = marker.labels.first, String(decoding: first, as: UTF8.self).lowercased() == markerLabel else { return nil }
        return marker.parent
    }

    /// The TXT marker set of `name`.
    static func marker(for name: DNSName, owner: String, ttl: UInt32) -> RecordSet? {
        guard let markerName = markerName(of: name) else { return nil }
        return RecordSet(name: markerName, type: .txt, ttl: ttl, data: [.txt([Array(owner.utf8)])], owner: owner)
    }

    /// The owner strings a TXT set declares.
    static func owners(in set: RecordSet) -> Set<String> {
        var owners: Set<String> = []
        for case .txt(let strings) in set.data {
            let text = strings.map { String(decoding: $0, as: UTF8.self) }.joined()
            if text.hasPrefix("heritage=meridian,") { owners.insert(text) }
        }
        return owners
    }
}
