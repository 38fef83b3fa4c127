/// The data of a TSIG record (RFC 8945 §4.2). Signing needs a key and a hash, so it lives
/// with the callers; this is only the wire form and the digest inputs of §4.3.
public struct TSIGData: Hashable, Sendable {
    public var algorithm: DNSName
    /// Seconds since the epoch, 48 bits on the wire.
    public var timeSigned: UInt64
    public var fudge: UInt16
    public var mac: [UInt8]
    public var originalID: UInt16
    public var error: UInt16
    public var other: [UInt8]

    public init(
        algorithm: DNSName, timeSigned: UInt64, fudge: UInt16, mac: [UInt8], originalID: UInt16, error: UInt16 = 0, other: [UInt8] = []
    ) {
        self.algorithm = algorithm
        self.timeSigned = timeSigned
        self.fudge = fudge
        self.mac = mac
        self.originalID = originalID
        self.error = error
        self.other = other
    }

    /// Reads the data of a raw TSIG record.
    public init(rdata: [UInt8]) throws(DNSWireError) {
        var reader = DNSReader(rdata)
        algorithm = try reader.name()
        let high = try reader.u16()
        let low = try reader.u32()
        timeSigned = UInt64(high) << 32 | UInt64(low)
        fudge = try reader.u16()
        mac = try reader.octets(Int(try reader.u16()))
        originalID = try reader.u16()
        error = try reader.u16()
        other = try reader.octets(Int(try reader.u16()))
        guard reader.offset == rdata.count else { throw .trailingBytes(offset: reader.offset) }
    }

    /// The record data, the algorithm name uncompressed.
    public var rdata: [UInt8] {
        var writer = DNSWriter()
        writer.name(algorithm, compress: false)
        writer.u16(UInt16(truncatingIfNeeded: timeSigned >> 32))
        writer.u32(UInt32(truncatingIfNeeded: timeSigned))
        writer.u16(fudge)
        writer.u16(UInt16(mac.count))
        var bytes = writer.bytes + mac
        for value in [originalID, error, UInt16(other.count)] { bytes += [UInt8(value >> 8), UInt8(value & 0xff)] }
        return bytes + other
    }

    /// The TSIG variables digested after the message (§4.3.3): key name, class ANY, TTL 0,
    /// algorithm, time, fudge, error, other data; names in canonical (lower-case) form.
    public func variables(keyName: DNSName) -> [UInt8] {
        var bytes = keyName.canonicalWire
        bytes += [0, UInt8(RecordClass.any), 0, 0, 0, 0]
        bytes += algorithm.canonicalWire
        bytes += timers
        for value in [error, UInt16(other.count)] { bytes += [UInt8(value >> 8), UInt8(value & 0xff)] }
        return bytes + other
    }

    /// Time signed and fudge: all that later messages of a stream digest (§5.3.1).
    public var timers: [UInt8] {
        let t = timeSigned
        return [
            UInt8(t >> 40 & 0xff), UInt8(t >> 32 & 0xff), UInt8(t >> 24 & 0xff), UInt8(t >> 16 & 0xff), UInt8(t >> 8 & 0xff),
            UInt8(t & 0xff),
        ]
            + [UInt8(fudge >> 8), UInt8(fudge & 0xff)]
    }

    /// The TSIG record of key `keyName` carrying this data.
    public func record(keyName: DNSName) -> ResourceRecord {
        ResourceRecord(name: keyName, rrclass: RecordClass.any, ttl: 0, data: .raw(type: .tsig, rdata))
    }
}

extension DNSName {
    /// The uncompressed wire form in lower case (RFC 4034 §6.2).
    public var canonicalWire: [UInt8] {
        var bytes: [UInt8] = []
        for label in labels {
            bytes.append(UInt8(label.count))
            bytes += label.map(Self.fold)
        }
        return bytes + [0]
    }
}

extension DNSMessage {
    /// Where the last record of a message starts, and the message's ID: a TSIG record is
    /// last, and its MAC covers the octets before it (with the additional count one less).
    public static func lastRecordOffset(_ bytes: [UInt8]) throws(DNSWireError) -> Int {
        var reader = DNSReader(bytes)
        _ = try reader.u16()
        _ = try reader.u16()
        let qd = Int(try reader.u16())
        let an = Int(try reader.u16())
        let ns = Int(try reader.u16())
        let records = an + ns + Int(try reader.u16())
        guard records > 0 else { throw .truncated(offset: 10) }
        for _ in 0..<qd {
            _ = try reader.name()
            _ = try reader.octets(4)
        }
        var last = reader.offset
        var edns: EDNS?
        for index in 0..<records {
            last = reader.offset
            _ = try reader.record(edns: &edns, section: index < an ? 1 : index < an + ns ? 2 : 3)
        }
        return last
    }

    /// The octets a TSIG MAC covers: everything before the TSIG record at `offset`, with
    /// the ID set back to `originalID` and the additional count lowered by one.
    public static func unsignedPrefix(_ bytes: [UInt8], tsigOffset offset: Int, originalID: UInt16) -> [UInt8] {
        var prefix = Array(bytes[..<offset])
        prefix[0] = UInt8(originalID >> 8)
        prefix[1] = UInt8(originalID & 0xff)
        let count = (UInt16(prefix[10]) << 8 | UInt16(prefix[11])) &- 1
        prefix[10] = UInt8(count >> 8)
        prefix[11] = UInt8(count & 0xff)
        return prefix
    }
}
