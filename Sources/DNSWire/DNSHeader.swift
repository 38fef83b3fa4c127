/// The fixed 12-octet header of RFC 1035 §4.1.1, without the section counts (the message
/// knows those from its sections).
public struct DNSHeader: Hashable, Sendable {
    public var id: UInt16
    public var isResponse: Bool
    public var opcode: UInt8
    public var authoritative: Bool
    public var truncated: Bool
    public var recursionDesired: Bool
    public var recursionAvailable: Bool
    /// The reserved Z bit, kept so a decoded header encodes back as it came.
    public var zero: Bool
    public var authenticData: Bool
    public var checkingDisabled: Bool
    /// The low four bits of the response code; EDNS carries the rest.
    public var rcodeLow: UInt8

    public init(
        id: UInt16 = 0, isResponse: Bool = false, opcode: UInt8 = Opcode.query, authoritative: Bool = false, truncated: Bool = false,
        recursionDesired: Bool = false, recursionAvailable: Bool = false, zero: Bool = false, authenticData: Bool = false,
        checkingDisabled: Bool = false, rcodeLow: UInt8 = 0
    ) {
        self.id = id
        self.isResponse = isResponse
        self.opcode = opcode
        self.authoritative = authoritative
        self.truncated = truncated
        self.recursionDesired = recursionDesired
        self.recursionAvailable = recursionAvailable
        self.zero = zero
        self.authenticData = authenticData
        self.checkingDisabled = checkingDisabled
        self.rcodeLow = rcodeLow
    }

    var flags: UInt16 {
        var f: UInt16 = 0
        if isResponse { f |= 0x8000 }
        f |= UInt16(opcode & 0x0f) << 11
        if authoritative { f |= 0x0400 }
        if truncated { f |= 0x0200 }
        if recursionDesired { f |= 0x0100 }
        if recursionAvailable { f |= 0x0080 }
        if zero { f |= 0x0040 }
        if authenticData { f |= 0x0020 }
        if checkingDisabled { f |= 0x0010 }
        f |= UInt16(rcodeLow & 0x0f)
        return f
    }

    init(id: UInt16, flags f: UInt16) {
        self.init(
            id: id, isResponse: f & 0x8000 != 0, opcode: UInt8((f >> 11) & 0x0f), authoritative: f & 0x0400 != 0,
            truncated: f & 0x0200 != 0, recursionDesired: f & 0x0100 != 0, recursionAvailable: f & 0x0080 != 0, zero: f & 0x0040 != 0,
            authenticData: f & 0x0020 != 0, checkingDisabled: f & 0x0010 != 0, rcodeLow: UInt8(f & 0x0f))
    }
}
