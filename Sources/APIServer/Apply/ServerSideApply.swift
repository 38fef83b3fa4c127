import KubeAPI

/// Server-side apply: merges an applied configuration into the live object, tracks
/// ownership per manager, reports conflicts, and removes fields a manager stops applying.
struct ServerSideApply {
    let paths: FieldPaths

    struct Conflict {
        var owner: ManagedFieldsEntry
        var path: [String]
    }

    static func conflictError(_ conflicts: [Conflict], _ def: ResourceDefinition, name: String) -> StatusError {
        let lines = conflicts.map { "\($0.owner.conflictName): \(FieldSet.describe($0.path))" }
        let message: String
        if lines.count == 1 {
            message = "Apply failed with 1 conflict: \(lines[0])"
        } else {
            message = "Apply failed with \(lines.count) conflicts: " + lines.joined(separator: "\n")
        }
        let causes: [JSONValue] = conflicts.map {
            ["reason": "FieldManagerConflict", "message": .string($0.owner.conflictName), "field": .string(FieldSet.describe($0.path))]
        }
        return StatusError(
            code: 409, reason: .conflict, message: message,
            details: .init(name: name, group: def.group, kind: def.resource, extraCauses: causes))
    }

    /// The object after applying, with managedFields updated; throws on conflicts unless forced.
    func apply(
        applied: JSONValue, live: JSONValue?, manager: String, force: Bool, schema: JSONValue?, def: ResourceDefinition
    ) throws(StatusError) -> JSONValue {
        let appliedStripped = FieldPaths.stripIgnored(applied)
        let appliedSet = paths.fieldSet(appliedStripped, schema: schema)
        let apiVersion = def.groupVersion
        guard let live else {
            var object = applied
            let entry = ManagedFieldsEntry(
                manager: manager, operation: "Apply", apiVersion: apiVersion, time: Timestamp.now(), fields: appliedSet, subresource: nil)
            object["metadata"]["managedFields"] = [entry.json]
            return object
        }
        var entries = ManagedFields.entries(live)
        let liveStripped = FieldPaths.stripIgnored(live)
        var conflicts: [Conflict] = []
        for entry in entries where !(entry.manager == manager && entry.operation == "Apply") {
            // Only applied leaves conflict: a map both own changes when its members do.
            for path in appliedSet.leafPaths() where entry.fields.owns(path) {
                if Self.value(appliedStripped, at: path, paths: paths, schema: schema)
                    != Self.value(liveStripped, at: path, paths: paths, schema: schema)
                {
                    conflicts.append(Conflict(owner: entry, path: path))
                }
            }
        }
        if !conflicts.isEmpty && !force {
            throw Self.conflictError(conflicts, def, name: live["metadata"]["name"].stringValue ?? "")
        }
        let previous = entries.first { $0.manager == manager && $0.operation == "Apply" }?.fields ?? FieldSet()
        var othersUnion = FieldSet()
        for entry in entries where !(entry.manager == manager && entry.operation == "Apply") {
            othersUnion = othersUnion.union(entry.fields)
        }
        var merged = Self.merge(live, appliedStripped, schema: schema, paths: paths)
        for path in previous.subtracting(appliedSet).subtracting(othersUnion).paths() {
            Self.remove(&merged, at: path[...], schema: schema, paths: paths)
        }
        if force {
            for c in conflicts {
                if let i = entries.firstIndex(of: c.owner) {
                    entries[i].fields = entries[i].fields.subtracting(Self.single(c.path))
                }
            }
        }
        if let i = entries.firstIndex(where: { $0.manager == manager && $0.operation == "Apply" }) {
            entries[i].fields = appliedSet
            entries[i].time = Timestamp.now()
            entries[i].apiVersion = apiVersion
        } else {
            entries.append(
                ManagedFieldsEntry(
                    manager: manager, operation: "Apply", apiVersion: apiVersion, time: Timestamp.now(), fields: appliedSet,
                    subresource: nil))
        }
        ManagedFields.store(entries, into: &merged)
        return merged
    }

    static func single(_ path: [String]) -> FieldSet {
        var set = FieldSet.leaf
        for element in path.reversed() { set = FieldSet(children: [element: set]) }
        return set
    }

    /// The value at a field path (nil when absent).
    static func value(_ object: JSONValue, at path: [String], paths: FieldPaths, schema: JSONValue?) -> JSONValue? {
        var current = object
        var s = schema
        for element in path {
            let body = String(element.dropFirst(2))
            switch element.prefix(2) {
            case "f:":
                guard let next = current.objectValue?[body] else { return nil }
                s = s.flatMap { paths.index.property($0, body) }
                current = next
            case "k:":
                guard let items = current.arrayValue, let listSchema = s,
                    let keys = SchemaIndex.listMapKeys(paths.index.resolve(listSchema))
                else { return nil }
                guard let found = items.first(where: { FieldPaths.elementKey($0, keys: keys) == element }) else { return nil }
                s = paths.index.items(listSchema)
                current = found
            case "v:":
                guard let items = current.arrayValue, let v = try? JSONParser.parse(body), items.contains(v) else { return nil }
                current = v
            default:
                return nil
            }
        }
        return current
    }

    /// Deep merge: the applied configuration wins; associative lists merge by key.
    static func merge(_ live: JSONValue, _ applied: JSONValue, schema: JSONValue?, paths: FieldPaths) -> JSONValue {
        switch (live, applied) {
        case (.object(var l), .object(let a)):
            for (k, v) in a {
                let childSchema = schema.flatMap { paths.index.property($0, k) }
                l[k] = l[k].map { merge($0, v, schema: childSchema, paths: paths) } ?? v
            }
            return .object(l)
        case (.array(var l), .array(let a)):
            guard let schema else { return applied }
            let listSchema = paths.index.resolve(schema)
            if let keys = SchemaIndex.listMapKeys(listSchema) {
                let itemSchema = paths.index.items(listSchema)
                for item in a {
                    let key = FieldPaths.elementKey(item, keys: keys)
                    if let i = l.firstIndex(where: { FieldPaths.elementKey($0, keys: keys) == key }) {
                        l[i] = merge(l[i], item, schema: itemSchema, paths: paths)
                    } else {
                        l.append(item)
                    }
                }
                return .array(l)
            }
            if SchemaIndex.isSet(listSchema) {
                for item in a where !l.contains(item) { l.append(item) }
                return .array(l)
            }
            return applied
        default:
            return applied
        }
    }

    static func remove(_ object: inout JSONValue, at path: ArraySlice<String>, schema: JSONValue?, paths: FieldPaths) {
        guard let element = path.first else { return }
        let body = String(element.dropFirst(2))
        let last = path.count == 1
        switch element.prefix(2) {
        case "f:":
            guard var o = object.objectValue, var child = o[body] else { return }
            if last {
                o.removeValue(forKey: body)
            } else {
                remove(&child, at: path.dropFirst(), schema: schema.flatMap { paths.index.property($0, body) }, paths: paths)
                o[body] = child
            }
            object = .object(o)
        case "k:":
            guard var items = object.arrayValue, let listSchema = schema,
                let keys = SchemaIndex.listMapKeys(paths.index.resolve(listSchema)),
                let i = items.firstIndex(where: { FieldPaths.elementKey($0, keys: keys) == element })
            else { return }
            if last {
                items.remove(at: i)
            } else {
                remove(&items[i], at: path.dropFirst(), schema: paths.index.items(listSchema), paths: paths)
            }
            object = .array(items)
        case "v:":
            guard var items = object.arrayValue, let v = try? JSONParser.parse(body) else { return }
            items.removeAll { $0 == v }
            object = .array(items)
        default:
            return
        }
    }
}
