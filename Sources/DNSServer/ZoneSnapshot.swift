import DNSWire

/// One immutable version of the zone: every RRset by owner name and type, the SOA with
/// this version's serial, and which names exist (including empty non-terminals, which
/// answer NODATA, not NXDOMAIN). Queries read it without locks or awaits.
public final class ZoneSnapshot: Sendable {
    public struct RRSet: Sendable, Equatable {
        public var ttl: UInt32
        public var data: [RData]
    }

    public let configuration: ZoneConfiguration
    public let serial: UInt32
    let sets: [DNSName: [RecordType: RRSet]]
    let names: Set<DNSName>
    /// Every record but the SOA, in canonical order: the body of a zone transfer.
    let transferRecords: [ResourceRecord]
    /// Answers already given from this snapshot.
    let responses = ResponseCache()

    public var origin: DNSName { configuration.origin }

    public var soa: ResourceRecord {
        let c = configuration
        return ResourceRecord(
            name: c.origin, ttl: c.soaTTL,
            data: .soa(
                SOAData(
                    primary: c.nameServers.first?.name ?? c.origin, mailbox: c.mailbox, serial: serial, refresh: c.refresh, retry: c.retry,
                    expire: c.expire, minimum: c.negativeTTL)))
    }

    /// The SOA as negative answers carry it: TTL the lesser of its own and its minimum.
    var negativeSOA: ResourceRecord {
        var record = soa
        record.ttl = min(configuration.soaTTL, configuration.negativeTTL)
        return record
    }

    /// Builds a snapshot of `records` (names outside the origin are dropped; the apex SOA
    /// and NS come from the configuration).
    public init(configuration: ZoneConfiguration, serial: UInt32, records: [ResourceRecord]) {
        self.configuration = configuration
        self.serial = serial
        let origin = configuration.origin
        var all = records.filter { $0.name.isSubdomain(of: origin) && $0.type != .soa && !($0.type == .ns && $0.name == origin) }
        for server in configuration.nameServers {
            all.append(ResourceRecord(name: origin, ttl: configuration.nsTTL, data: .ns(server.name)))
            if let address = server.address, server.name.isSubdomain(of: origin) {
                all.append(ResourceRecord(name: server.name, ttl: configuration.nsTTL, data: .a(address)))
            }
        }
        var sets: [DNSName: [RecordType: RRSet]] = [:]
        var names: Set<DNSName> = [origin.lowercased]
        for record in all {
            var name = record.name.lowercased
            var set = sets[name, default: [:]][record.type] ?? RRSet(ttl: record.ttl, data: [])
            if !set.data.contains(record.data) { set.data.append(record.data) }
            set.ttl = min(set.ttl, record.ttl)
            sets[name, default: [:]][record.type] = set
            while name != origin.lowercased && !name.isRoot {
                names.insert(name)
                name = name.parent
            }
        }
        self.sets = sets
        self.names = names
        var transfer: [ResourceRecord] = []
        for (name, byType) in sets.sorted(by: { $0.key < $1.key }) {
            for (type, set) in byType.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where type != .soa {
                for data in set.data { transfer.append(ResourceRecord(name: name, ttl: set.ttl, data: data)) }
            }
        }
        transferRecords = transfer
    }

    /// The RRset of `name` and `type`, if any.
    public func rrset(_ name: DNSName, _ type: RecordType) -> RRSet? {
        if type == .soa && name == origin { return RRSet(ttl: configuration.soaTTL, data: [soa.data]) }
        return sets[name.lowercased]?[type]
    }

    func types(at name: DNSName) -> [RecordType: RRSet]? {
        var found = sets[name.lowercased]
        if name == origin { found?[.soa] = RRSet(ttl: configuration.soaTTL, data: [soa.data]) }
        return found
    }

    func exists(_ name: DNSName) -> Bool { names.contains(name.lowercased) }
}
