/// The EDNS(0) pseudo-record (RFC 6891): the OPT record of the additional section.
public struct EDNS: Hashable, Sendable {
    public struct Option: Hashable, Sendable {
        public var code: UInt16
        public var data: [UInt8]
        public init(code: UInt16, data: [UInt8]) {
            self.code = code
            self.data = data
        }
    }

    /// The largest UDP payload the sender can take (the OPT record's class).
    public var udpPayloadSize: UInt16
    /// The upper eight bits of the 12-bit response code.
    public var extendedRCode: UInt8
    public var version: UInt8
    public var dnssecOK: Bool
    public var options: [Option]

    public init(udpPayloadSize: UInt16, extendedRCode: UInt8 = 0, version: UInt8 = 0, dnssecOK: Bool = false, options: [Option] = []) {
        self.udpPayloadSize = udpPayloadSize
        self.extendedRCode = extendedRCode
        self.version = version
        self.dnssecOK = dnssecOK
        self.options = options
    }

    var ttlField: UInt32 {
        UInt32(extendedRCode) << 24 | UInt32(version) << 16 | (dnssecOK ? 0x8000 : 0)
    }

    init(payload: UInt16, ttl: UInt32, options: [Option]) {
        self.init(
            udpPayloadSize: payload, extendedRCode: UInt8(ttl >> 24), version: UInt8((ttl >> 16) & 0xff), dnssecOK: ttl & 0x8000 != 0,
            options: options)
    }
}
