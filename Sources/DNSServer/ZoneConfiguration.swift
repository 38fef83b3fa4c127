import DNSWire

/// What is fixed about the zone the server is authoritative for: its origin, name servers
/// and SOA timers. Records come and go with snapshots; this does not.
public struct ZoneConfiguration: Sendable, Equatable {
    public var origin: DNSName
    /// Name servers of the apex NS set, with their addresses when they are inside the zone
    /// (published as glue).
    public var nameServers: [(name: DNSName, address: IPv4Address?)]
    public var mailbox: DNSName
    public var refresh: UInt32 = 60
    public var retry: UInt32 = 10
    public var expire: UInt32 = 3600
    /// Negative-caching TTL (RFC 2308): NXDOMAIN and NODATA answers live this long at most.
    public var negativeTTL: UInt32 = 5
    public var soaTTL: UInt32 = 60
    public var nsTTL: UInt32 = 60

    /// A zone served by one name server, `ns1.<origin>`, at `address`.
    public init(origin: DNSName, nameServerAddress: IPv4Address?) {
        self.origin = origin
        nameServers = [((try? origin.prepending("ns1")) ?? origin, nameServerAddress)]
        mailbox = (try? origin.prepending("hostmaster")) ?? origin
    }

    public static func == (a: ZoneConfiguration, b: ZoneConfiguration) -> Bool {
        a.origin == b.origin && a.nameServers.map(\.name) == b.nameServers.map(\.name)
            && a.nameServers.map(\.address) == b.nameServers.map(\.address) && a.mailbox == b.mailbox && a.refresh == b.refresh
            && a.retry == b.retry && a.expire == b.expire && a.negativeTTL == b.negativeTTL && a.soaTTL == b.soaTTL
            && a.nsTTL == b.nsTTL
    }
}
