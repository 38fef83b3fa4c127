/// One question: name, type, class.
public struct DNSQuestion: Hashable, Sendable {
    public var name: DNSName
    public var type: RecordType
    public var qclass: UInt16

    public init(name: DNSName, type: RecordType, qclass: UInt16 = RecordClass.internet) {
        self.name = name
        self.type = type
        self.qclass = qclass
    }
}

/// The SOA record's data (RFC 1035 §3.3.13).
public struct SOAData: Hashable, Sendable {
    public var primary: DNSName
    public var mailbox: DNSName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    /// The negative-caching TTL (RFC 2308).
    public var minimum: UInt32

    public init(
        primary: DNSName, mailbox: DNSName, serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32, minimum: UInt32
    ) {
        self.primary = primary
        self.mailbox = mailbox
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}

/// Record data. Types Meridian does not interpret (TSIG among them, for now) stay raw.
public enum RData: Hashable, Sendable {
    case a(IPv4Address)
    case aaaa(IPv6Address)
    case cname(DNSName)
    case ns(DNSName)
    case soa(SOAData)
    /// Character strings, each at most 255 octets.
    case txt([[UInt8]])
    case raw(type: RecordType, [UInt8])

    public var type: RecordType {
        switch self {
        case .a: return .a
        case .aaaa: return .aaaa
        case .cname: return .cname
        case .ns: return .ns
        case .soa: return .soa
        case .txt: return .txt
        case .raw(let type, _): return type
        }
    }
}

/// A resource record of the answer, authority or additional section (never OPT: that is
/// `DNSMessage.edns`).
public struct ResourceRecord: Hashable, Sendable {
    public var name: DNSName
    public var rrclass: UInt16
    public var ttl: UInt32
    public var data: RData

    public var type: RecordType { data.type }

    public init(name: DNSName, rrclass: UInt16 = RecordClass.internet, ttl: UInt32, data: RData) {
        self.name = name
        self.rrclass = rrclass
        self.ttl = ttl
        self.data = data
    }
}

extension RData: CustomStringConvertible {
    /// Presentation format (RFC 1035 §5.1), as dig prints the data.
    public var description: String {
        switch self {
        case .a(let address): return address.description
        case .aaaa(let address): return address.description
        case .cname(let name), .ns(let name): return name.description
        case .soa(let s): return "\(s.primary) \(s.mailbox) \(s.serial) \(s.refresh) \(s.retry) \(s.expire) \(s.minimum)"
        case .txt(let strings):
            return strings.map { "\"" + String(decoding: $0, as: UTF8.self) + "\"" }.joined(separator: " ")
        case .raw(_, let data):
            return "\\# \(data.count) " + data.map { String($0 >> 4, radix: 16) + String($0 & 0xf, radix: 16) }.joined()
        }
    }
}

extension ResourceRecord: CustomStringConvertible {
    /// `name TTL IN TYPE data`, one line of a zone file.
    public var description: String { "\(name) \(ttl) IN \(type) \(data)" }
}
