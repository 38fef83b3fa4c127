import KubeAPI

/// OpenAPI v3 schemas by name, with the walking helpers that patching, apply and
/// validation need. Built-in kinds use Kubernetes' definitions; CRDs bring inline schemas.
public struct SchemaIndex: Sendable {
    public let schemas: [String: JSONValue]
    /// `group/version/Kind` → schema name.
    let byGVK: [String: String]

    public static let kubernetes: SchemaIndex = {
        let parsed = (try? JSONParser.parse(KubernetesDefinitions.json)) ?? .emptyObject
        return SchemaIndex(schemas: parsed["schemas"].objectValue ?? [:])
    }()

    init(schemas: [String: JSONValue]) {
        self.schemas = schemas
        var byGVK: [String: String] = [:]
        for (name, s) in schemas {
            for gvk in s["x-kubernetes-group-version-kind"].arrayValue ?? [] {
                let key = "\(gvk["group"].stringValue ?? "")/\(gvk["version"].stringValue ?? "")/\(gvk["kind"].stringValue ?? "")"
                byGVK[key] = name
            }
        }
        self.byGVK = byGVK
    }

    public func schemaName(group: String, version: String, kind: String) -> String? {
        byGVK["\(group)/\(version)/\(kind)"]
    }

    public func schema(named name: String) -> JSONValue? { schemas[name] }

    /// Follows `$ref` and `allOf: [{$ref}]` to the schema itself; keeps a local description.
    public func resolve(_ schema: JSONValue) -> JSONValue {
        var s = schema
        var hops = 0
        while hops < 8 {
            hops += 1
            if let ref = s["$ref"].stringValue {
                s = schemas[String(ref.split(separator: "/").last ?? "")] ?? .emptyObject
            } else if let all = s["allOf"].arrayValue, all.count == 1, let ref = all[0]["$ref"].stringValue {
                let description = s["description"]
                s = schemas[String(ref.split(separator: "/").last ?? "")] ?? .emptyObject
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
