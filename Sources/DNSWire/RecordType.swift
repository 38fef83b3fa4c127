/// A record (or query) type: a number with names for the ones Meridian knows.
public struct RecordType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = RecordType(rawValue: 1)
    public static let ns = RecordType(rawValue: 2)
    public static let cname = RecordType(rawValue: 5)
    public static let soa = RecordType(rawValue: 6)
    public static let txt = RecordType(rawValue: 16)
    public static let aaaa = RecordType(rawValue: 28)
    public static let opt = RecordType(rawValue: 41)
    public static let tsig = RecordType(rawValue: 250)
    public static let ixfr = RecordType(rawValue: 251)
    public static let axfr = RecordType(rawValue: 252)
    public static let any = RecordType(rawValue: 255)

    static let names: [UInt16: String] = [
        1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 16: "TXT", 28: "AAAA", 41: "OPT", 250: "TSIG", 251: "IXFR", 252: "AXFR", 255: "ANY",
    ]

    public var description: String { Self.names[rawValue] ?? "TYPE\(rawValue)" }
}

/// Record classes: IN, and ANY in questions.
public enum RecordClass {
    public static let internet: UInt16 = 1
    public static let any: UInt16 = 255
}

/// Response codes, including the EDNS extended ones (above 15).
public struct RCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let noError = RCode(rawValue: 0)
    public static let formatError = RCode(rawValue: 1)
    public static let serverFailure = RCode(rawValue: 2)
    public static let nameError = RCode(rawValue: 3)
    public static let notImplemented = RCode(rawValue: 4)
    public static let refused = RCode(rawValue: 5)
    public static let notAuth = RCode(rawValue: 9)
    public static let badVersion = RCode(rawValue: 16)

    static let names: [UInt16: String] = [
        0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED", 9: "NOTAUTH", 16: "BADVERS",
    ]

    public var description: String { Self.names[rawValue] ?? "RCODE\(rawValue)" }
}

/// Operation codes of the header.
public enum Opcode {
    public static let query: UInt8 = 0
    public static let notify: UInt8 = 4
    public static let update: UInt8 = 5
}
