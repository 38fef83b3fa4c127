/// A DNS message (RFC 1035 §4): header, question, answer, authority and additional
/// sections, with the EDNS OPT record lifted out of the additional section.
public struct DNSMessage: Hashable, Sendable {
    public var header: DNSHeader
    public var questions: [DNSQuestion]
    public var answers: [ResourceRecord]
    public var authority: [ResourceRecord]
    /// The additional section without OPT; a TSIG record, when there is one, stays last here.
    public var additional: [ResourceRecord]
    public var edns: EDNS?

    public init(
        header: DNSHeader, questions: [DNSQuestion] = [], answers: [ResourceRecord] = [], authority: [ResourceRecord] = [],
        additional: [ResourceRecord] = [], edns: EDNS? = nil
    ) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authority = authority
        self.additional = additional
        self.edns = edns
    }

    /// The full response code: the header's four bits and EDNS's upper eight.
    public var rcode: RCode {
        get { RCode(rawValue: UInt16(edns?.extendedRCode ?? 0) << 4 | UInt16(header.rcodeLow)) }
        set {
            header.rcodeLow = UInt8(newValue.rawValue & 0x0f)
            if edns != nil { edns?.extendedRCode = UInt8(newValue.rawValue >> 4) }
        }
    }

    /// Reads a whole message; any malformation is a typed error.
    public init(decoding bytes: [UInt8]) throws(DNSWireError) {
        var reader = DNSReader(bytes)
        self = try reader.readMessage()
    }

    /// Only the header: enough to answer FORMERR to a message that does not parse.
    public static func decodeHeader(_ bytes: [UInt8]) -> (header: DNSHeader, questionCount: Int)? {
        guard bytes.count >= 12 else { return nil }
        let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        let flags = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
        return (DNSHeader(id: id, flags: flags), Int(bytes[4]) << 8 | Int(bytes[5]))
    }

    /// The wire form, names compressed.
    public func encoded() -> [UInt8] {
        var writer = DNSWriter()
        writer.write(self)
        return writer.bytes
    }
}
