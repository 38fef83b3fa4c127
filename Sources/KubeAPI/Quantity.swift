import Foundation

/// Kubernetes resource quantities (`500m`, `2`, `128Mi`, `1G`, `1e3`) as integers in
/// milli-units, enough for requests, limits, capacity and quota arithmetic.
public enum Quantity {
    private static let binary: [String: Int64] = [
        "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50, "Ei": 1 << 60,
    ]
    private static let decimal: [String: Int64] = [
        "k": 1_000, "M": 1_000_000, "G": 1_000_000_000, "T": 1_000_000_000_000, "P": 1_000_000_000_000_000,
    ]

    /// Milli-units: "500m" → 500, "2" → 2000, "1Ki" → 1_024_000. Nil when unparsable.
    public static func milli(_ value: JSONValue) -> Int64? {
        if let i = value.intValue { return i * 1000 }
        guard let text = value.stringValue else { return nil }
        return milli(text)
    }

    public static func milli(_ text: String) -> Int64? {
        let s = text.trimmingCharacters(in: .whitespaces)
        guard !s.isEmpty else { return nil }
        var numberEnd = s.endIndex
        for suffix in binary.keys.sorted() + decimal.keys.sorted() + ["m"] where s.hasSuffix(suffix) {
            numberEnd = s.index(s.endIndex, offsetBy: -suffix.count)
            let number = String(s[..<numberEnd])
            guard let n = Double(number) else { return nil }
            if suffix == "m" { return Int64(n.rounded(.up)) }
            let multiplier = Double(binary[suffix] ?? decimal[suffix]!)
            return Int64((n * multiplier * 1000).rounded(.up))
        }
        guard let n = Double(s) else { return nil }
        return Int64((n * 1000).rounded(.up))
    }

    /// Formats milli-units the way the API prints them: whole units when exact, else `m`.
    public static func format(milli: Int64) -> String {
        milli % 1000 == 0 ? String(milli / 1000) : "\(milli)m"
    }

    /// Formats bytes (milli-units / 1000) with the largest exact binary suffix.
    public static func formatBytes(milli: Int64) -> String {
        let bytes = milli / 1000
        for (suffix, size) in binary.sorted(by: { $0.value > $1.value }) where bytes != 0 && bytes % size == 0 {
            return "\(bytes / size)\(suffix)"
        }
        return String(bytes)
    }
}

