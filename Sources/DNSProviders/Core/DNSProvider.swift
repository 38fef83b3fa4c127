import DNSWire

/// An external DNS service holding the federation's zone. Providers only translate: the
/// reconciler decides what to change, the ownership scheme decides what may be changed.
public protocol DNSProvider: Sendable {
    /// The name `--dns-provider` knows it by.
    var name: String { get }
    /// How record sets are marked as Meridian's here.
    var ownership: Ownership { get }
    /// The most changes one `apply` may carry.
    var maxBatch: Int { get }
    /// Every A, AAAA, CNAME and TXT set of the zone. With `.providerTags` ownership the
    /// provider fills in `owner`; with `.txtRecords` the reconciler works it out.
    func recordSets() async throws(DNSProviderError) -> [RecordSet]
    /// Applies `changes` in order (deletes first, as the reconciler orders them).
    func apply(_ changes: [RecordSetChange]) async throws(DNSProviderError)
}

/// The types Meridian writes, and so the only ones it reads back.
public enum ManagedTypes {
    public static let all: Set<RecordType> = [.a, .aaaa, .cname, .txt]
    /// By the names HTTP APIs use.
    static let byName: [String: RecordType] = ["A": .a, "AAAA": .aaaa, "CNAME": .cname, "TXT": .txt]
}

/// Why a provider call failed.
public enum DNSProviderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The provider could not be reached or the exchange broke off.
    case transport(String)
    /// The provider answered with an error (an HTTP status or a DNS rcode) and its message.
    case rejected(status: String, message: String)
    /// The provider's answer could not be understood.
    case badResponse(String)
    /// The provider refused who we are (a bad signature, token or key).
    case unauthorized(String)

    public var description: String {
        switch self {
        case .transport(let m): return "transport: \(m)"
        case .rejected(let status, let message): return "rejected (\(status)): \(message)"
        case .badResponse(let m): return "bad response: \(m)"
        case .unauthorized(let m): return "unauthorized: \(m)"
        }
    }
}
