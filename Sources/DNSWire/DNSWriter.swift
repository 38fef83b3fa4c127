/// Writes a message, compressing every name (owner names and the names inside NS, CNAME
/// and SOA data) against the suffixes already written, as RFC 1035 §4.1.4 allows.
struct DNSWriter {
    private(set) var bytes: [UInt8] = []
    /// Lower-cased wire suffix → where it was first written (only offsets a pointer can reach).
    private var suffixes: [[UInt8]: Int] = [:]

    init() { bytes.reserveCapacity(512) }

    mutating func write(_ message: DNSMessage) {
        u16(message.header.id)
        u16(message.header.flags)
        u16(UInt16(message.questions.count))
        u16(UInt16(message.answers.count))
        u16(UInt16(message.authority.count))
        u16(UInt16(message.additional.count + (message.edns == nil ? 0 : 1)))
        for question in message.questions {
            name(question.name)
            u16(question.type.rawValue)
            u16(question.qclass)
        }
        for record in message.answers { self.record(record) }
        for record in message.authority { self.record(record) }
        // OPT before a trailing TSIG: TSIG must stay the very last record (RFC 8945 §5.1).
        let tsigLast = message.additional.last?.type == .tsig
        for record in tsigLast ? message.additional.dropLast() : message.additional[...] { self.record(record) }
        if let edns = message.edns {
            bytes.append(0)
            u16(RecordType.opt.rawValue)
            u16(edns.udpPayloadSize)
            u32(edns.ttlField)
            u16(UInt16(edns.options.reduce(0) { $0 + 4 + $1.data.count }))
            for option in edns.options {
                u16(option.code)
                u16(UInt16(option.data.count))
                bytes += option.data
            }
        }
        if tsigLast, let tsig = message.additional.last { record(tsig) }
    }

    mutating func u16(_ v: UInt16) {
        bytes.append(UInt8(v >> 8))
        bytes.append(UInt8(v & 0xff))
    }

    mutating func u32(_ v: UInt32) {
        u16(UInt16(v >> 16))
        u16(UInt16(v & 0xffff))
    }

    mutating func name(_ name: DNSName, compress: Bool = true) {
        let labels = name.labels
        for i in labels.indices {
            var key: [UInt8] = []
            for label in labels[i...] {
                key.append(UInt8(label.count))
                key += label.map(DNSName.fold)
            }
            if compress, let target = suffixes[key] {
                u16(0xC000 | UInt16(target))
                return
            }
            if compress, bytes.count < 0x4000 { suffixes[key] = bytes.count }
            bytes.append(UInt8(labels[i].count))
            bytes += labels[i]
        }
        bytes.append(0)
    }

    mutating func record(_ record: ResourceRecord) {
        name(record.name)
        u16(record.type.rawValue)
        u16(record.rrclass)
        u32(record.ttl)
        let lengthAt = bytes.count
        u16(0)
        switch record.data {
        case .a(let address): bytes += address.octets
        case .aaaa(let address): bytes += address.octets
        case .cname(let target), .ns(let target): name(target)
        case .soa(let soa):
            name(soa.primary)
            name(soa.mailbox)
            for value in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { u32(value) }
        case .txt(let strings):
            for string in strings {
                let chunk = string.prefix(255)
                bytes.append(UInt8(chunk.count))
                bytes += chunk
            }
        case .raw(_, let data): bytes += data
        }
        let length = bytes.count - lengthAt - 2
        bytes[lengthAt] = UInt8(length >> 8)
        bytes[lengthAt + 1] = UInt8(length & 0xff)
    }
}
