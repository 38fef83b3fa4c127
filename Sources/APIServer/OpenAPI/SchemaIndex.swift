import KubeAPI
import Synchronization

/// OpenAPI v3 schemas by name, with the walking helpers that patching, apply and
/// validation need. Built-in kinds use Kubernetes' definitions, kept as embedded JSON text
/// and parsed one schema at a time on first use (so a server that never touches a kind
/// never pays for its schema); CRDs bring inline schemas.
public struct SchemaIndex: Sendable {
    let source: SchemaSource

    public static let kubernetes = SchemaIndex(source: SchemaSource(json: KubernetesDefinitions.json))

    public func schema(named name: String) -> JSONValue? { source.schema(named: name) }

    /// Follows `$ref` and `allOf: [{$ref}]` to the schema itself; keeps a local description.
    public func resolve(_ schema: JSONValue) -> JSONValue {
        var s = schema
        var hops = 0
        while hops < 8 {
            hops += 1
            if let ref = s["$ref"].stringValue {
                s = source.schema(named: String(ref.split(separator: "/").last ?? "")) ?? .emptyObject
            } else if let all = s["allOf"].arrayValue, all.count == 1, let ref = all[0]["$ref"].stringValue {
                let description = s["description"]
                s = source.schema(named: String(ref.split(separator: "/").last ?? "")) ?? .emptyObject
                if !description.isNull { s["description"] = description }
            } else {
                break
            }
        }
        return s
    }

    /// The schema of a field of an object schema (nil when the schema does not know it).
    public func property(_ schema: JSONValue, _ name: String) -> JSONValue? {
        let s = resolve(schema)
        if let p = s["properties"][name].objectValue { return resolve(.object(p)) }
        if let a = s["additionalProperties"].objectValue { return resolve(.object(a)) }
        return nil
    }

    /// The element schema of an array schema.
    public func items(_ schema: JSONValue) -> JSONValue? {
        let s = resolve(schema)
        guard let i = s["items"].objectValue else { return nil }
        return resolve(.object(i))
    }

    /// The map keys of an associative list: SSA's list-map-keys, else SMP's merge key.
    public static func listMapKeys(_ listSchema: JSONValue) -> [String]? {
        if listSchema["x-kubernetes-list-type"].stringValue == "map",
            let keys = listSchema["x-kubernetes-list-map-keys"].arrayValue?.compactMap(\.stringValue), !keys.isEmpty
        {
            return keys
        }
        if let key = listSchema["x-kubernetes-patch-merge-key"].stringValue { return [key] }
        return nil
    }

    /// Whether a list is a set of scalars (`x-kubernetes-list-type: set`, or SMP merge of scalars).
    public static func isSet(_ listSchema: JSONValue) -> Bool {
        if listSchema["x-kubernetes-list-type"].stringValue == "set" { return true }
        return listSchema["x-kubernetes-patch-strategy"].stringValue?.contains("merge") == true
            && listSchema["x-kubernetes-patch-merge-key"].isNull
    }
}

/// The embedded definitions: where each schema's JSON sits in the text, and the schemas
/// parsed so far.
final class SchemaSource: Sendable {
    private let bytes: [UInt8]
    private let ranges: [String: Range<Int>]
    private let parsed = Mutex<[String: JSONValue]>([:])

    init(json: String) {
        bytes = Array(json.utf8)
        ranges = Self.index(bytes)
    }

    func schema(named name: String) -> JSONValue? {
        if let cached = parsed.withLock({ $0[name] }) { return cached }
        guard let range = ranges[name], let value = try? JSONParser.parse(Array(bytes[range])) else { return nil }
        parsed.withLock { $0[name] = value }
        return value
    }

    /// Finds `"name": {...}` members of the top-level `"schemas"` object without building values.
    static func index(_ b: [UInt8]) -> [String: Range<Int>] {
        var out: [String: Range<Int>] = [:]
        guard let open = findSchemasObject(b) else { return out }
        var i = open + 1
        while i < b.count {
            while i < b.count, b[i] != UInt8(ascii: "\"") && b[i] != UInt8(ascii: "}") { i += 1 }
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { break }
            let keyStart = i + 1
            i = skipString(b, i)
            let name = String(decoding: b[keyStart..<(i - 1)], as: UTF8.self)
            while i < b.count, b[i] != UInt8(ascii: "{") { i += 1 }
            let start = i
            i = skipValue(b, i)
            out[name] = start..<i
        }
        return out
    }

    private static func findSchemasObject(_ b: [UInt8]) -> Int? {
        let key = Array(#""schemas":"#.utf8)
        var i = 0
        while i + key.count < b.count {
            if b[i..<(i + key.count)].elementsEqual(key) { return i + key.count }
            i += 1
        }
        return nil
    }

    /// Index just past the string starting at `i` (which is a quote).
    private static func skipString(_ b: [UInt8], _ start: Int) -> Int {
        var i = start + 1
        while i < b.count {
            if b[i] == UInt8(ascii: "\\") {
                i += 2
                continue
            }
            if b[i] == UInt8(ascii: "\"") { return i + 1 }
            i += 1
        }
        return i
    }

    /// Index just past the object or array starting at `i`.
    private static func skipValue(_ b: [UInt8], _ start: Int) -> Int {
        var depth = 0
        var i = start
        while i < b.count {
            switch b[i] {
            case UInt8(ascii: "\""):
                i = skipString(b, i)
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return i + 1 }
            default: break
            }
            i += 1
        }
        return i
    }
}
