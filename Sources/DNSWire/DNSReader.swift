/// Reads a message from octets. Every read is bounds-checked; compression pointers must
/// point strictly before the label sequence they appear in, so a pointer loop is an error,
/// never an endless loop.
struct DNSReader {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func readMessage() throws(DNSWireError) -> DNSMessage {
        let id = try u16()
        let header = DNSHeader(id: id, flags: try u16())
        let qd = Int(try u16())
        let an = Int(try u16())
        let ns = Int(try u16())
        let ar = Int(try u16())
        var message = DNSMessage(header: header)
        for _ in 0..<qd {
            let name = try name()
            let type = RecordType(rawValue: try u16())
            message.questions.append(DNSQuestion(name: name, type: type, qclass: try u16()))
        }
        for _ in 0..<an { message.answers.append(try record(edns: &message.edns, section: 1)) }
        for _ in 0..<ns { message.authority.append(try record(edns: &message.edns, section: 2)) }
        for _ in 0..<ar {
            let record = try record(edns: &message.edns, section: 3)
            if record.type != .opt { message.additional.append(record) }
        }
        guard offset == bytes.count else { throw .trailingBytes(offset: offset) }
        return message
    }

    mutating func u8() throws(DNSWireError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated(offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() throws(DNSWireError) -> UInt16 {
        guard offset + 2 <= bytes.count else { throw .truncated(offset: offset) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u32() throws(DNSWireError) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw .truncated(offset: offset) }
        defer { offset += 4 }
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    mutating func octets(_ count: Int) throws(DNSWireError) -> [UInt8] {
        guard count >= 0, offset + count <= bytes.count else { throw .truncated(offset: offset) }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func name() throws(DNSWireError) -> DNSName {
        let start = offset
        var labels: [[UInt8]] = []
        var position = offset
        // Pointers must land strictly before where the current run of labels began.
        var floor = offset
        var resume: Int?
        var length = 1
        while true {
            guard position < bytes.count else { throw .truncated(offset: position) }
            let byte = bytes[position]
            switch byte & 0xC0 {
            case 0x00:
                let count = Int(byte)
                if count == 0 {
                    offset = resume ?? position + 1
                    return DNSName(uncheckedLabels: labels)
                }
                guard position + 1 + count <= bytes.count else { throw .truncated(offset: position) }
                length += count + 1
                guard length <= DNSName.maxWireLength else { throw .nameTooLong(offset: start) }
                labels.append(Array(bytes[position + 1...position + count]))
                position += 1 + count
            case 0xC0:
                guard position + 1 < bytes.count else { throw .truncated(offset: position) }
                let target = Int(byte & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < floor else { throw .badPointer(offset: position) }
                if resume == nil { resume = position + 2 }
                floor = target
                position = target
            default:
                throw .badLabelType(offset: position)
            }
        }
    }

    /// A record. An OPT record (only one, only at the root, only in the additional section)
    /// is stored in `edns` and comes back as an empty raw OPT record for the caller to drop.
    mutating func record(edns: inout EDNS?, section: Int) throws(DNSWireError) -> ResourceRecord {
        let start = offset
        let name = try name()
        let type = RecordType(rawValue: try u16())
        let rrclass = try u16()
        let ttl = try u32()
        let length = Int(try u16())
        let dataStart = offset
        guard dataStart + length <= bytes.count else { throw .truncated(offset: dataStart) }
        let end = dataStart + length
        let data: RData
        switch type {
        case .a:
            guard length == 4 else { throw .badRDataLength(offset: dataStart, type: type) }
            data = .a(IPv4Address(octets: try octets(4)))
        case .aaaa:
            guard length == 16 else { throw .badRDataLength(offset: dataStart, type: type) }
            data = .aaaa(IPv6Address(octets: try octets(16)))
        case .cname, .ns:
            let target = try boundedName(end: end, type: type)
            data = type == .cname ? .cname(target) : .ns(target)
        case .soa:
            let primary = try boundedName(end: end, type: type)
            let mailbox = try boundedName(end: end, type: type)
            guard offset + 20 == end else { throw .badRDataLength(offset: dataStart, type: type) }
            data = .soa(
                SOAData(
                    primary: primary, mailbox: mailbox, serial: try u32(), refresh: try u32(), retry: try u32(), expire: try u32(),
                    minimum: try u32()))
        case .txt:
            var strings: [[UInt8]] = []
            while offset < end {
                let count = Int(try u8())
                guard offset + count <= end else { throw .badRDataLength(offset: dataStart, type: type) }
                strings.append(try octets(count))
            }
            data = .txt(strings)
        case .opt:
            guard section == 3, edns == nil, name.isRoot else { throw .badOPT(offset: start) }
            var options: [EDNS.Option] = []
            while offset < end {
                guard offset + 4 <= end else { throw .badRDataLength(offset: dataStart, type: type) }
                let code = try u16()
                let size = Int(try u16())
                guard offset + size <= end else { throw .badRDataLength(offset: dataStart, type: type) }
                options.append(EDNS.Option(code: code, data: try octets(size)))
            }
            edns = EDNS(payload: rrclass, ttl: ttl, options: options)
            data = .raw(type: .opt, [])
        default:
            data = .raw(type: type, try octets(length))
        }
        guard offset == end else { throw .badRDataLength(offset: dataStart, type: type) }
        return ResourceRecord(name: name, rrclass: rrclass, ttl: ttl, data: data)
    }

    private mutating func boundedName(end: Int, type: RecordType) throws(DNSWireError) -> DNSName {
        let start = offset
        let name = try name()
        guard offset <= end else { throw .badRDataLength(offset: start, type: type) }
        return name
    }
}
