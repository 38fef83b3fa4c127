import KubeAPI

/// What `metadata.managedFields` of a member copy says about who set which field.
/// Fields that other server-side apply managers (operation `Apply`) own are theirs: never
/// drift, and left out of Meridian's apply so it does not take them. Drift is what other
/// clients changed by update (`kubectl scale`, `kubectl set env`, `kubectl edit`): a value
/// that differs from the federation's copy and that such a client now owns (a difference
/// Meridian still owns is the federation's own change, not yet applied), and, under
/// `spec`, fields they added that the federation's copy lacks.
enum FieldOwnership {
    /// The fieldsV1 trees of other managers' entries with this operation (status aside).
    static func trees(_ object: JSONValue, operation: String, except manager: String) -> [JSONValue] {
        (object["metadata"]["managedFields"].arrayValue ?? []).filter {
            $0["manager"].stringValue != manager && $0["operation"].stringValue == operation && $0["subresource"] != "status"
        }.map { $0["fieldsV1"] }
    }

    /// Paths of `desired` whose value in `actual` differs and is owned by a manager of
    /// `trees`, and `desired` with those values taken from `actual` (the member's change kept).
    static func changed(desired: JSONValue, actual: JSONValue, trees: [JSONValue]) -> (paths: [String], adopted: JSONValue) {
        var out: [String] = []
        func walk(_ d: JSONValue, _ a: JSONValue, _ nodes: [JSONValue], _ path: String) -> JSONValue {
            guard d != a, !nodes.isEmpty, !(d.isNull && a.isNull) else { return d }
            if var object = d.objectValue, a.objectValue != nil {
                for key in object.keys.sorted() {
                    if path.isEmpty && ["apiVersion", "kind", "status"].contains(key) { continue }
                    let children = nodes.compactMap { $0.objectValue?["f:\(key)"] }
                    object[key] = walk(object[key]!, a[key], children, path.isEmpty ? key : "\(path).\(key)")
                }
                return .object(object)
            } else if var items = d.arrayValue, let actual = a.arrayValue, items.count == actual.count {
                for i in items.indices {
                    let children = nodes.compactMap { node in
                        node.objectValue?.first { key, _ in key.hasPrefix("k:") && itemKey(key).map { matches(actual[i], $0) } == true }?
                            .value
                    }
                    items[i] = walk(items[i], actual[i], children, "\(path)[\(i)]")
                }
                return .array(items)
            } else if !a.isNull {
                out.append(path)
                return a
            }
            return d
        }
        let adopted = walk(desired, actual, trees, "")
        return (out, adopted)
    }

    /// `desired` without the fields another applier owns (list items stay; their keys too).
    static func pruning(_ desired: JSONValue, ownedBy tree: JSONValue) -> JSONValue {
        guard let nodes = tree.objectValue else { return desired }
        var out = desired
        for (key, sub) in nodes {
            if key.hasPrefix("f:") {
                let name = String(key.dropFirst(2))
                guard out.objectValue?[name] != nil else { continue }
                if isLeaf(sub) {
                    out = removing(name, from: out)
                } else {
                    out[name] = pruning(out[name], ownedBy: sub)
                }
            } else if key.hasPrefix("k:"), var items = out.arrayValue, let keyFields = itemKey(key) {
                for i in items.indices where matches(items[i], keyFields) {
                    let fields = keyFields.keys.reduce(sub) { removing("f:\($1)", from: $0) }
                    items[i] = pruning(items[i], ownedBy: fields)
                }
                out = .array(items)
            }
        }
        return out
    }

    /// Paths another client set (per `tree`) that `desired` does not have at all.
    static func added(desired: JSONValue, actual: JSONValue, tree: JSONValue, path: String = "") -> [String] {
        guard let nodes = tree.objectValue else { return [] }
        var out: [String] = []
        for key in nodes.keys.sorted() {
            let sub = nodes[key]!
            if key.hasPrefix("f:") {
                let name = String(key.dropFirst(2))
                if path.isEmpty && name != "spec" { continue }
                let childPath = path.isEmpty ? name : "\(path).\(name)"
                guard !actual[name].isNull else { continue }
                if desired.objectValue?[name] == nil || desired[name].isNull {
                    out.append(childPath)
                } else if !isLeaf(sub) {
                    out += added(desired: desired[name], actual: actual[name], tree: sub, path: childPath)
                }
            } else if key.hasPrefix("k:"), let keyFields = itemKey(key), let items = actual.arrayValue,
                let item = items.first(where: { matches($0, keyFields) })
            {
                let label = keyFields.values.compactMap(\.stringValue).joined(separator: ",")
                let itemPath = "\(path)[\(label)]"
                if let mine = desired.arrayValue?.first(where: { matches($0, keyFields) }) {
                    out += added(desired: mine, actual: item, tree: sub, path: itemPath)
                } else {
                    out.append(itemPath)
                }
            }
        }
        return out
    }

    private static func removing(_ key: String, from value: JSONValue) -> JSONValue {
        guard var object = value.objectValue else { return value }
        object.removeValue(forKey: key)
        return .object(object)
    }

    private static func isLeaf(_ node: JSONValue) -> Bool {
        (node.objectValue ?? [:]).keys.allSatisfy { $0 == "." }
    }

    private static func itemKey(_ key: String) -> [String: JSONValue]? {
        (try? JSONParser.parse(String(key.dropFirst(2))))?.objectValue
    }

    private static func matches(_ item: JSONValue, _ keyFields: [String: JSONValue]) -> Bool {
        keyFields.allSatisfy { item[$0.key] == $0.value }
    }
}
