/// apimachinery's name and label validators, returning its exact messages (empty = valid).
public enum Validation {
    static let dns1123SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let dns1123LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    static let dns1035LabelMessage =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
    static let labelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    static let qualifiedNameMessage =
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    static let configKeyMessage =
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"

    private static func isLowerAlnum(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }
    private static func isAlnum(_ c: UInt8) -> Bool {
        isLowerAlnum(c) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
    }

    static func isDNS1123Label(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard let first = b.first, let last = b.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        return b.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    public static func dns1123Subdomain(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > 253 { errs.append("must be no more than 253 characters") }
        if s.isEmpty || !s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ isDNS1123Label(String($0)) }) {
            errs.append(dns1123SubdomainMessage)
        }
        return errs
    }

    public static func dns1123Label(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > 63 { errs.append("must be no more than 63 characters") }
        if !isDNS1123Label(s) { errs.append(dns1123LabelMessage) }
        return errs
    }

    public static func dns1035Label(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > 63 { errs.append("must be no more than 63 characters") }
        let b = Array(s.utf8)
        let ok = isDNS1123Label(s) && (b.first.map { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") } ?? false)
        if !ok { errs.append(dns1035LabelMessage) }
        return errs
    }

    private static func isQualifiedNamePart(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard let first = b.first, let last = b.last, isAlnum(first), isAlnum(last) else { return false }
        return b.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    public static func labelValue(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > 63 { errs.append("must be no more than 63 characters") }
        if !s.isEmpty && !isQualifiedNamePart(s) { errs.append(labelValueMessage) }
        return errs
    }

    /// Label and annotation keys: an optional DNS subdomain prefix and a name part.
    public static func qualifiedName(_ s: String) -> [String] {
        var errs: [String] = []
        let parts = s.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let name: String
        switch parts.count {
        case 1: name = parts[0]
        case 2:
            name = parts[1]
            if parts[0].isEmpty {
                errs.append("prefix part must be non-empty")
            } else {
                errs.append(contentsOf: dns1123Subdomain(parts[0]).map { "prefix part \($0)" })
            }
        default:
            return [
                "a qualified name " + qualifiedNameMessage.dropFirst("name part ".count)
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ]
        }
        if name.isEmpty {
            errs.append("name part must be non-empty")
        } else if name.utf8.count > 63 {
            errs.append("name part must be no more than 63 characters")
        }
        if !name.isEmpty && !isQualifiedNamePart(name) { errs.append(qualifiedNameMessage) }
        return errs
    }

    public static func configMapKey(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > 253 { errs.append("must be no more than 253 characters") }
        let valid =
            !s.isEmpty && s.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
        if !valid { errs.append(configKeyMessage) }
        if s == "." { errs.append("must not be '.'") }
        if s == ".." { errs.append("must not be '..'") }
        if s.hasPrefix("..") && s != ".." { errs.append("must not start with '..'") }
        return errs
    }

    /// Checks labels of an object's metadata; errors are reported at `path`.
    public static func labels(_ labels: JSONValue, path: String) -> [FieldError] {
        var out: [FieldError] = []
        for (k, v) in (labels.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            for e in qualifiedName(k) { out.append(.invalid(path, .string(k), e)) }
            let value = v.stringValue ?? ""
            for e in labelValue(value) { out.append(.invalid(path, .string(value), e)) }
        }
        return out
    }

    public static func annotations(_ annotations: JSONValue, path: String) -> [FieldError] {
        var out: [FieldError] = []
        var total = 0
        for (k, v) in (annotations.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            for e in qualifiedName(k.lowercased()) { out.append(.invalid(path, .string(k), e)) }
            total += k.utf8.count + (v.stringValue?.utf8.count ?? 0)
        }
        if total > 256 * 1024 {
            out.append(FieldError(.tooLong, field: path, detail: "may not be more than 262144 bytes"))
        }
        return out
    }
}
