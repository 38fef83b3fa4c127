import KubeAPI

/// Computes field sets of objects using the kind's schema to recognise associative lists
/// and sets; lists the schema does not describe are atomic.
struct FieldPaths {
    let index: SchemaIndex

    /// Fields the server manages itself; never owned by a manager.
    static func stripIgnored(_ object: JSONValue) -> JSONValue {
        var o = object
        for f in [
            "managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink", "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            o["metadata"][f] = .null
        }
        o["apiVersion"] = .null
        o["kind"] = .null
        if o["metadata"].objectValue?.isEmpty == true { o["metadata"] = .null }
        return o
    }

    /// The element key of an associative list item (`k:{"name":"c"}`).
    static func elementKey(_ item: JSONValue, keys: [String]) -> String {
        var k: [String: JSONValue] = [:]
        for key in keys { k[key] = item[key] }
        return "k:" + JSONValue.object(k).serializedString()
    }

    private func isMap(_ schema: JSONValue?) -> Bool {
        guard let schema else { return true }
        let s = index.resolve(schema)
        return !s["additionalProperties"].isNull || s["properties"].isNull
    }

    /// All fields set in `value`.
    func fieldSet(_ value: JSONValue, schema: JSONValue?) -> FieldSet {
        switch value {
        case .object(let o):
            var set = FieldSet()
            for (k, v) in o {
                let childSchema = schema.flatMap { index.property($0, k) }
                var child = fieldSet(v, schema: childSchema)
                if child.children.isEmpty {
                    child = .leaf
                } else if case .object = v, isMap(childSchema) {
                    child.member = true
                }
                set.children["f:\(k)"] = child
            }
            return set
        case .array(let items):
            guard let schema else { return .leaf }
            let listSchema = index.resolve(schema)
            if let keys = SchemaIndex.listMapKeys(listSchema) {
                let itemSchema = index.items(listSchema)
                var set = FieldSet()
                for item in items where item.objectValue != nil {
                    var child = fieldSet(item, schema: itemSchema)
                    child.member = true
                    set.children[Self.elementKey(item, keys: keys)] = child
                }
                return set.children.isEmpty ? .leaf : set
            }
            if SchemaIndex.isSet(listSchema) {
                var set = FieldSet()
                for item in items { set.children["v:" + item.serializedString()] = .leaf }
                return set.children.isEmpty ? .leaf : set
            }
            return .leaf
        default:
            return .leaf
        }
    }

    /// Fields whose value `new` sets differently from `old` (added or changed).
    func changed(old: JSONValue?, new: JSONValue, schema: JSONValue?) -> FieldSet? {
        if let old, old == new { return nil }
        switch new {
        case .object(let o):
            guard old?.objectValue != nil else {
                var set = fieldSet(new, schema: schema)
                if set.children.isEmpty { return .leaf }
                if isMap(schema) { set.member = true }
                return set
            }
            var set = FieldSet()
            for (k, v) in o {
                let childSchema = schema.flatMap { index.property($0, k) }
                if let c = changed(old: old?[k].isNull == false ? old![k] : nil, new: v, schema: childSchema) {
                    set.children["f:\(k)"] = c.children.isEmpty ? .leaf : c
                }
            }
            return set.isEmpty ? nil : set
        case .array(let items):
            guard let schema, let oldItems = old?.arrayValue else { return fieldSet(new, schema: schema) }
            let listSchema = index.resolve(schema)
            if let keys = SchemaIndex.listMapKeys(listSchema) {
                let itemSchema = index.items(listSchema)
                var set = FieldSet()
                for item in items where item.objectValue != nil {
                    let key = Self.elementKey(item, keys: keys)
                    let previous = oldItems.first { Self.elementKey($0, keys: keys) == key }
                    if var c = changed(old: previous, new: item, schema: itemSchema) {
                        if previous == nil { c.member = true }
                        set.children[key] = c
                    }
                }
                return set.isEmpty ? nil : set
            }
            if SchemaIndex.isSet(listSchema) {
                var set = FieldSet()
                for item in items where !oldItems.contains(item) { set.children["v:" + item.serializedString()] = .leaf }
                return set.isEmpty ? nil : set
            }
            return .leaf
        default:
            return .leaf
        }
    }
}
