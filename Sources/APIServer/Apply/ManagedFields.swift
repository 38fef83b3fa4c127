import KubeAPI

/// One `metadata.managedFields` entry.
struct ManagedFieldsEntry: Equatable {
    var manager: String
    var operation: String
    var apiVersion: String
    var time: String
    var fields: FieldSet
    var subresource: String?

    init(manager: String, operation: String, apiVersion: String, time: String, fields: FieldSet, subresource: String?) {
        self.manager = manager
        self.operation = operation
        self.apiVersion = apiVersion
        self.time = time
        self.fields = fields
        self.subresource = subresource
    }

    init(_ json: JSONValue) {
        manager = json["manager"].stringValue ?? ""
        operation = json["operation"].stringValue ?? "Update"
        apiVersion = json["apiVersion"].stringValue ?? ""
        time = json["time"].stringValue ?? ""
        fields = FieldSet(fieldsV1: json["fieldsV1"])
        subresource = json["subresource"].stringValue
    }

    var json: JSONValue {
        var o: JSONValue = [
            "manager": .string(manager), "operation": .string(operation), "apiVersion": .string(apiVersion),
            "time": .string(time), "fieldsType": "FieldsV1", "fieldsV1": fields.fieldsV1,
        ]
        if let subresource { o["subresource"] = .string(subresource) }
        return o
    }

    func sameOwner(_ manager: String, _ operation: String, _ subresource: String?) -> Bool {
        self.manager == manager && self.operation == operation && self.subresource == subresource
    }

    /// How a conflict names this manager: Apply managers by name, others with their version.
    var conflictName: String {
        operation == "Apply" ? "conflict with \"\(manager)\"" : "conflict with \"\(manager)\" using \(apiVersion)"
    }
}

/// Keeps `metadata.managedFields` current on writes that are not apply (operation Update).
struct ManagedFields {
    let paths: FieldPaths

    static func entries(_ object: JSONValue) -> [ManagedFieldsEntry] {
        (object["metadata"]["managedFields"].arrayValue ?? []).map(ManagedFieldsEntry.init)
    }

    static func store(_ entries: [ManagedFieldsEntry], into object: inout JSONValue) {
        let kept = entries.filter { !$0.fields.isEmpty }
        object["metadata"]["managedFields"] = kept.isEmpty ? .null : .array(kept.map(\.json))
    }

    /// The manager name for a request: the fieldManager parameter, else the user agent's
    /// program name (kube-apiserver's default).
    static func managerName(fieldManager: String?, userAgent: String) -> String {
        if let fieldManager, !fieldManager.isEmpty { return fieldManager }
        let program = userAgent.split(separator: "/").first.map(String.init) ?? ""
        return program.isEmpty ? "unknown" : String(program.prefix(128))
    }

    func recordUpdate(old: JSONValue?, new: inout JSONValue, manager: String, schema: JSONValue?, subresource: String?) {
        var entries = Self.entries(old ?? .emptyObject)
        if let provided = new["metadata"]["managedFields"].arrayValue,
            old == nil || provided != (old?["metadata"]["managedFields"].arrayValue ?? [])
        {
            entries = provided.map(ManagedFieldsEntry.init)
        }
        let oldStripped = old.map(FieldPaths.stripIgnored)
        let newStripped = FieldPaths.stripIgnored(new)
        let changed = paths.changed(old: oldStripped, new: newStripped, schema: schema) ?? FieldSet()
        let removed =
            oldStripped.map { paths.fieldSet($0, schema: schema).subtracting(paths.fieldSet(newStripped, schema: schema)) } ?? FieldSet()
        let apiVersion = new["apiVersion"].stringValue ?? ""
        var found = false
        for i in entries.indices {
            if entries[i].sameOwner(manager, "Update", subresource) {
                entries[i].fields = entries[i].fields.union(changed).subtracting(removed)
                entries[i].apiVersion = apiVersion
                if !changed.isEmpty { entries[i].time = Timestamp.now() }
                found = true
            } else {
                entries[i].fields = entries[i].fields.subtracting(changed).subtracting(removed)
            }
        }
        if !found && !changed.isEmpty {
            entries.append(
                ManagedFieldsEntry(
                    manager: manager, operation: "Update", apiVersion: apiVersion, time: Timestamp.now(), fields: changed,
                    subresource: subresource))
        }
        Self.store(entries, into: &new)
    }
}
