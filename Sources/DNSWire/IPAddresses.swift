/// An IPv4 address, four octets.
public struct IPv4Address: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var octets: [UInt8]

    public init(octets: [UInt8]) {
        precondition(octets.count == 4)
        self.octets = octets
    }

    /// Dotted quad, `127.0.0.1`.
    public init(_ text: String) throws(DNSTextError) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { throw .badAddress(text) }
        var octets: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), let value = UInt8(part) else { throw .badAddress(text) }
            octets.append(value)
        }
        self.octets = octets
    }

    public var description: String { octets.map(String.init).joined(separator: ".") }

    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.octets.lexicographicallyPrecedes(b.octets) }
}

/// An IPv6 address, sixteen octets.
public struct IPv6Address: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var octets: [UInt8]

    public init(octets: [UInt8]) {
        precondition(octets.count == 16)
        self.octets = octets
    }

    /// RFC 4291 text: eight groups of hex, `::` for one run of zero groups, an optional
    /// dotted IPv4 tail.
    public init(_ text: String) throws(DNSTextError) {
        let halves = Self.splitDoubleColon(text)
        guard halves.count <= 2 else { throw .badAddress(text) }
        func groups(_ part: String) throws(DNSTextError) -> [UInt16] {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (i, piece) in pieces.enumerated() {
                if i == pieces.count - 1, piece.contains(".") {
                    let v4 = try IPv4Address(String(piece))
                    result.append(UInt16(v4.octets[0]) << 8 | UInt16(v4.octets[1]))
                    result.append(UInt16(v4.octets[2]) << 8 | UInt16(v4.octets[3]))
                } else {
                    guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { throw .badAddress(text) }
                    result.append(value)
                }
            }
            return result
        }
        let head = try groups(halves[0])
        let tail = halves.count == 2 ? try groups(halves[1]) : []
        let all: [UInt16]
        if halves.count == 2 {
            guard head.count + tail.count <= 7 else { throw .badAddress(text) }
            all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard head.count == 8 else { throw .badAddress(text) }
            all = head
        }
        octets = all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }

    /// `text` cut at every `::`.
    static func splitDoubleColon(_ text: String) -> [String] {
        var parts: [String] = []
        var rest = Substring(text)
        while let range = rest.firstRange(of: "::") {
            parts.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }

    /// RFC 5952 text: lower-case hex, the longest run of two or more zero groups as `::`.
    public var description: String {
        let groups = (0..<8).map { UInt16(octets[2 * $0]) << 8 | UInt16(octets[2 * $0 + 1]) }
        var best = (start: -1, length: 0)
        var i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > best.length && j - i >= 2 { best = (i, j - i) }
                i = j
            } else {
                i += 1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        if best.start < 0 { return hex.joined(separator: ":") }
        let head = hex[..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }

    public static func < (a: IPv6Address, b: IPv6Address) -> Bool { a.octets.lexicographicallyPrecedes(b.octets) }
}
