/// Why bytes are not a DNS message. Every case names the offset where reading stopped.
public enum DNSWireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The message ends inside a header, name, question or record.
    case truncated(offset: Int)
    /// A compression pointer that does not point strictly backwards (loops and forward jumps).
    case badPointer(offset: Int)
    /// A label type other than a length (00) or a pointer (11).
    case badLabelType(offset: Int)
    /// A name longer than 255 octets on the wire.
    case nameTooLong(offset: Int)
    /// A record whose data does not fill exactly its RDLENGTH.
    case badRDataLength(offset: Int, type: RecordType)
    /// An OPT record that is not at the root, or more than one of them.
    case badOPT(offset: Int)
    /// Bytes after the last record the header counts.
    case trailingBytes(offset: Int)

    public var description: String {
        switch self {
        case .truncated(let o): return "message truncated at offset \(o)"
        case .badPointer(let o): return "compression pointer at offset \(o) does not point backwards"
        case .badLabelType(let o): return "unknown label type at offset \(o)"
        case .nameTooLong(let o): return "name at offset \(o) is longer than 255 octets"
        case .badRDataLength(let o, let type): return "\(type) record data at offset \(o) does not match its length"
        case .badOPT(let o): return "misplaced or repeated OPT record at offset \(o)"
        case .trailingBytes(let o): return "trailing bytes after the last record at offset \(o)"
        }
    }
}

/// Why a text name or address cannot be used.
public enum DNSTextError: Error, Equatable, Sendable, CustomStringConvertible {
    case emptyLabel(String)
    case labelTooLong(String)
    case nameTooLong(String)
    case badAddress(String)

    public var description: String {
        switch self {
        case .emptyLabel(let s): return "\(s) has an empty label"
        case .labelTooLong(let s): return "\(s) has a label longer than 63 octets"
        case .nameTooLong(let s): return "\(s) is longer than 255 octets"
        case .badAddress(let s): return "\(s) is not an IP address"
        }
    }
}
