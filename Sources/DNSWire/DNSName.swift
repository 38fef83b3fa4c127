/// A domain name: its labels as octets, compared and hashed case-insensitively (ASCII), as
/// RFC 1035 §2.3.3 asks, while keeping the case it was written in (resolvers randomize it).
public struct DNSName: Hashable, Sendable, CustomStringConvertible, Comparable {
    public private(set) var labels: [[UInt8]]

    public static let root = DNSName(uncheckedLabels: [])
    public static let maxWireLength = 255
    public static let maxLabelLength = 63

    init(uncheckedLabels labels: [[UInt8]]) { self.labels = labels }

    /// Parses dotted text (`www.example.com.`; the final dot is optional). `\.` escapes a
    /// dot inside a label and `\DDD` an octet.
    public init(_ text: String) throws(DNSTextError) {
        var labels: [[UInt8]] = []
        var current: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        if bytes.elementsEqual([UInt8(ascii: ".")]) { bytes = [] }
        while let byte = bytes.popFirst() {
            switch byte {
            case UInt8(ascii: "."):
                guard !current.isEmpty else { throw .emptyLabel(text) }
                labels.append(current)
                current = []
            case UInt8(ascii: "\\"):
                let digits = bytes.prefix(3)
                if digits.count == 3, digits.allSatisfy({ (48...57).contains($0) }),
                    let value = UInt8(String(decoding: digits, as: UTF8.self))
                {
                    current.append(value)
                    bytes = bytes.dropFirst(3)
                } else if let next = bytes.popFirst() {
                    current.append(next)
                }
            default:
                current.append(byte)
            }
        }
        if !current.isEmpty { labels.append(current) }
        guard labels.allSatisfy({ $0.count <= Self.maxLabelLength }) else { throw .labelTooLong(text) }
        self.labels = labels
        guard wireLength <= Self.maxWireLength else { throw .nameTooLong(text) }
    }

    /// Octets on the wire, uncompressed: a length octet per label, the labels, the root.
    public var wireLength: Int { labels.reduce(1) { $0 + $1.count + 1 } }

    public var isRoot: Bool { labels.isEmpty }

    /// `label.self`.
    public func prepending(_ label: String) throws(DNSTextError) -> DNSName {
        let name = try DNSName(label)
        let joined = DNSName(uncheckedLabels: name.labels + labels)
        guard joined.wireLength <= Self.maxWireLength else { throw .nameTooLong(joined.description) }
        return joined
    }

    /// The name without its first label (the root's parent is the root).
    public var parent: DNSName { DNSName(uncheckedLabels: Array(labels.dropFirst())) }

    /// Whether this name is `other` or below it.
    public func isSubdomain(of other: DNSName) -> Bool {
        guard labels.count >= other.labels.count else { return false }
        return zip(labels.suffix(other.labels.count), other.labels).allSatisfy { Self.equalFolded($0, $1) }
    }

    /// The same name in lower case: the key of lookups.
    public var lowercased: DNSName { DNSName(uncheckedLabels: labels.map { $0.map(Self.fold) }) }

    public var description: String {
        if labels.isEmpty { return "." }
        var text = ""
        for label in labels {
            for byte in label {
                switch byte {
                case UInt8(ascii: "."), UInt8(ascii: "\\"):
                    text += "\\" + String(UnicodeScalar(byte))
                case 33...126:
                    text.unicodeScalars.append(UnicodeScalar(byte))
                default:
                    let digits = String(byte)
                    text += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
                }
            }
            text += "."
        }
        return text
    }

    public static func == (a: DNSName, b: DNSName) -> Bool {
        a.labels.count == b.labels.count && zip(a.labels, b.labels).allSatisfy { equalFolded($0, $1) }
    }

    public func hash(into hasher: inout Hasher) {
        for label in labels {
            hasher.combine(label.count)
            for byte in label { hasher.combine(Self.fold(byte)) }
        }
    }

    /// DNSSEC canonical order (RFC 4034 §6.1): label by label from the root, case-folded.
    public static func < (a: DNSName, b: DNSName) -> Bool {
        for (x, y) in zip(a.labels.reversed(), b.labels.reversed()) {
            let fx = x.map(fold)
            let fy = y.map(fold)
            if fx != fy { return fx.lexicographicallyPrecedes(fy) }
        }
        return a.labels.count < b.labels.count
    }

    @inline(__always) static func fold(_ byte: UInt8) -> UInt8 { (65...90).contains(byte) ? byte | 0x20 : byte }

    static func equalFolded(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { fold($0) == fold($1) }
    }
}

extension DNSName: ExpressibleByStringLiteral {
    /// For literals in code and tests: a malformed literal is a programming error.
    public init(stringLiteral value: String) {
        do {
            try self.init(value)
        } catch {
            preconditionFailure("bad DNS name literal \(value): \(error)")
        }
    }
}
