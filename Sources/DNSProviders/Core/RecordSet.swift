import DNSWire

/// One RRset as providers hold it: a name, a type, a TTL and the data, plus who owns it
/// (nil: nobody Meridian recognises, so never touched).
public struct RecordSet: Hashable, Sendable, CustomStringConvertible {
    public struct Key: Hashable, Sendable, Comparable, CustomStringConvertible {
        public var name: DNSName
        public var type: RecordType

        public init(name: DNSName, type: RecordType) {
            self.name = name.lowercased
            self.type = type
        }

        public static func < (a: Key, b: Key) -> Bool { (a.name, a.type.rawValue) < (b.name, b.type.rawValue) }
        public var description: String { "\(name) \(type)" }
    }

    public var name: DNSName
    public var type: RecordType
    public var ttl: UInt32
    /// Sorted by presentation form and free of duplicates, so equal sets compare equal.
    public private(set) var data: [RData]
    public var owner: String?

    public init(name: DNSName, type: RecordType, ttl: UInt32, data: [RData], owner: String? = nil) {
        self.name = name.lowercased
        self.type = type
        self.ttl = ttl
        self.data = Array(Set(data)).sorted { $0.description < $1.description }
        self.owner = owner
    }

    public var key: Key { Key(name: name, type: type) }

    /// The sets of `records`, grouped by name and type (the smallest TTL wins).
    public static func grouped(_ records: [ResourceRecord], owner: String? = nil) -> [RecordSet] {
        var sets: [Key: RecordSet] = [:]
        for record in records {
            let key = Key(name: record.name, type: record.type)
            if var set = sets[key] {
                set = RecordSet(name: set.name, type: set.type, ttl: min(set.ttl, record.ttl), data: set.data + [record.data], owner: owner)
                sets[key] = set
            } else {
                sets[key] = RecordSet(name: record.name, type: record.type, ttl: record.ttl, data: [record.data], owner: owner)
            }
        }
        return sets.values.sorted { $0.key < $1.key }
    }

    /// The records of the set.
    public var records: [ResourceRecord] { data.map { ResourceRecord(name: name, ttl: ttl, data: $0) } }

    public var description: String { "\(name) \(ttl) \(type) \(data.map(\.description).joined(separator: ","))" }
}

/// One change of a provider's zone. `delete` carries the set as the provider holds it
/// (Route 53 deletes only an exact match).
public enum RecordSetChange: Hashable, Sendable, CustomStringConvertible {
    case create(RecordSet)
    case update(RecordSet)
    case delete(RecordSet)

    public var set: RecordSet {
        switch self {
        case .create(let s), .update(let s), .delete(let s): return s
        }
    }

    public var description: String {
        switch self {
        case .create(let s): return "create \(s)"
        case .update(let s): return "update \(s)"
        case .delete(let s): return "delete \(s)"
        }
    }
}
