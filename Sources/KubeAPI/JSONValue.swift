/// An untyped JSON document: the dynamic edge of the API (stored objects, patches, CRDs).
///
/// Integers and floating point numbers are kept apart so that `replicas: 3` round-trips as
/// `3`, never `3.0`, exactly as Go's `encoding/json` does for Kubernetes' int64 fields.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public static let emptyObject = JSONValue.object([:])

    public var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.0e15: return Int64(d)
        default: return nil
        }
    }
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Member access that yields `.null` for anything missing, so paths read naturally.
    public subscript(key: String) -> JSONValue {
        get {
            if case .object(let o) = self { return o[key] ?? .null }
            return .null
        }
        set {
            var o = objectValue ?? [:]
            if case .null = newValue { o.removeValue(forKey: key) } else { o[key] = newValue }
            self = .object(o)
        }
    }

    public subscript(index: Int) -> JSONValue {
        if case .array(let a) = self, index >= 0, index < a.count { return a[index] }
        return .null
    }

    /// Reads a dotted path of object keys (`["metadata", "name"]`).
    public func value(at path: [String]) -> JSONValue {
        var current = self
        for key in path { current = current[key] }
        return current
    }

    /// Writes a value at a path of object keys, creating intermediate objects; `.null` removes.
    public mutating func setValue(_ value: JSONValue, at path: [String]) {
        guard let first = path.first else {
            self = value
            return
        }
        if path.count == 1 {
            self[first] = value
            return
        }
        var child = self[first]
        if child.objectValue == nil {
            if case .null = value { return }
            child = .emptyObject
        }
        child.setValue(value, at: Array(path.dropFirst()))
        self[first] = child
    }

    /// The kind name Go's reflection would use in messages ("string", "integer", ...).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}
