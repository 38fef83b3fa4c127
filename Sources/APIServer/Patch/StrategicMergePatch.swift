import KubeAPI

/// Strategic merge patch for built-in kinds: lists with a patch merge key merge element by
/// element, `$patch: delete|replace`, `$deleteFromPrimitiveList/…`, `$setElementOrder/…`
/// and `$retainKeys` directives, driven by Kubernetes' own schema extensions.
struct StrategicMergePatch {
    let index: SchemaIndex

    func apply(_ patch: JSONValue, to original: JSONValue, schema: JSONValue?) throws(PatchError) -> JSONValue {
        guard case .object = patch else { throw .malformed("strategic merge patch must be a JSON object") }
        return try mergeMap(patch, original, schema)
    }

    private func mergeMap(_ patch: JSONValue, _ original: JSONValue, _ schema: JSONValue?) throws(PatchError) -> JSONValue {
        guard case .object(var p) = patch else { return patch }
        if let directive = p["$patch"]?.stringValue {
            p.removeValue(forKey: "$patch")
            switch directive {
            case "replace": return stripDirectives(.object(p))
            case "delete": return .null
            default: throw .malformed("unknown patch type: \(directive)")
            }
        }
        var result = original.objectValue ?? [:]
        if let retain = p.removeValue(forKey: "$retainKeys")?.arrayValue {
            let keep = Set(retain.compactMap(\.stringValue))
            result = result.filter { keep.contains($0.key) }
        }
        // Directives naming sibling lists.
        for key in p.keys.sorted() where key.hasPrefix("$deleteFromPrimitiveList/") {
            let field = String(key.dropFirst("$deleteFromPrimitiveList/".count))
            let remove = p.removeValue(forKey: key)?.arrayValue ?? []
            if let list = result[field]?.arrayValue {
                result[field] = .array(list.filter { !remove.contains($0) })
            }
        }
        var orders: [String: [JSONValue]] = [:]
        for key in p.keys where key.hasPrefix("$setElementOrder/") {
            orders[String(key.dropFirst("$setElementOrder/".count))] = p.removeValue(forKey: key)?.arrayValue ?? []
        }
        for (k, v) in p {
            let fieldSchema = schema.flatMap { index.property($0, k) }
            if case .null = v {
                result.removeValue(forKey: k)
                continue
            }
            let current = result[k] ?? .null
            switch v {
            case .object:
                let merged = try mergeMap(v, current.objectValue == nil ? .null : current, fieldSchema)
                if case .null = merged { result.removeValue(forKey: k) } else { result[k] = merged }
            case .array(let items):
                result[k] = try mergeList(items, current.arrayValue, fieldSchema)
            default:
                result[k] = v
            }
        }
        for (field, order) in orders {
            if let list = result[field]?.arrayValue {
                result[field] = .array(reorder(list, order, schema.flatMap { index.property($0, field) }))
            }
        }
        return .object(result)
    }

    private func mergeList(_ patch: [JSONValue], _ original: [JSONValue]?, _ schema: JSONValue?) throws(PatchError) -> JSONValue {
        // `[{"$patch": "replace"}, ...]` replaces the list.
        if patch.contains(where: { $0["$patch"].stringValue == "replace" }) {
            return .array(patch.filter { $0["$patch"].stringValue != "replace" }.map(stripDirectives))
        }
        guard let schema, schema["x-kubernetes-patch-strategy"].stringValue?.contains("merge") == true else {
            return .array(patch.map(stripDirectives))
        }
        var result = original ?? []
        guard let mergeKey = schema["x-kubernetes-patch-merge-key"].stringValue else {
            // A merged list of scalars: union in order.
            for item in patch where !result.contains(item) { result.append(item) }
            return .array(result)
        }
        let itemSchema = index.items(schema)
        for item in patch {
            guard case .object = item else {
                if !result.contains(item) { result.append(item) }
                continue
            }
            let key = item[mergeKey]
            let position = result.firstIndex { $0[mergeKey] == key }
            if item["$patch"].stringValue == "delete" {
                result.removeAll { $0[mergeKey] == key }
                continue
            }
            if let position {
                result[position] = try mergeMap(item, result[position], itemSchema)
            } else {
                result.append(try mergeMap(item, .null, itemSchema))
            }
        }
        return .array(result)
    }

    private func reorder(_ list: [JSONValue], _ order: [JSONValue], _ schema: JSONValue?) -> [JSONValue] {
        let key = schema?["x-kubernetes-patch-merge-key"].stringValue
        func id(_ v: JSONValue) -> JSONValue { key.map { v[$0] } ?? v }
        let ids = order.map(id)
        var ordered: [JSONValue] = []
        for i in ids { ordered.append(contentsOf: list.filter { id($0) == i }) }
        ordered.append(contentsOf: list.filter { !ids.contains(id($0)) })
        return ordered
    }

    private func stripDirectives(_ v: JSONValue) -> JSONValue {
        switch v {
        case .object(let o):
            return .object(o.filter { !$0.key.hasPrefix("$") }.mapValues(stripDirectives))
        case .array(let a):
            return .array(a.map(stripDirectives))
        default:
            return v
        }
    }
}
