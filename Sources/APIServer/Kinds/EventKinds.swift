import KubeAPI

/// Events: stored once in core form, served as `v1` and as `events.k8s.io/v1`.
enum EventKinds {
    static let selectable: @Sendable (JSONValue) -> [String: String] = { o in
        let io = o["involvedObject"]
        var fields: [String: String] = [
            "reason": o["reason"].stringValue ?? "", "type": o["type"].stringValue ?? "",
            "source": o["source"]["component"].stringValue ?? "",
            "reportingComponent": o["reportingComponent"].stringValue ?? "",
        ]
        for f in ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"] {
            fields["involvedObject.\(f)"] = io[f].stringValue ?? ""
        }
        return fields
    }

    static let core = ResourceDefinition(
        group: "", version: "v1", resource: "events", kind: "Event", namespaced: true, shortNames: ["ev"],
        openAPIName: "io.k8s.api.core.v1.Event"
    ).with {
        $0.nameValidator = { _ in [] }
        $0.selectableFields = selectable
        $0.printer = TablePrinter(
            columns: [
                TableColumn("Last Seen"), TableColumn("Type"), TableColumn("Reason"), TableColumn("Object"),
                TableColumn("Subobject", priority: 1), TableColumn("Source", priority: 1), TableColumn("Message"),
                TableColumn("First Seen", priority: 1), TableColumn("Count", "integer", priority: 1),
                TableColumn("Name", priority: 1),
            ],
            cells: { o in
                let io = o["involvedObject"]
                let last =
                    o["lastTimestamp"].isNull
                    ? (o["eventTime"].isNull ? o["metadata"]["creationTimestamp"] : o["eventTime"]) : o["lastTimestamp"]
                let first = o["firstTimestamp"].isNull ? last : o["firstTimestamp"]
                let object = "\((io["kind"].stringValue ?? "").lowercased())/\(io["name"].stringValue ?? "")"
                var source = o["source"]["component"].stringValue ?? o["reportingComponent"].stringValue ?? ""
                if let host = o["source"]["host"].stringValue, !host.isEmpty { source += ", \(host)" }
                return [
                    Cells.age(of: last), o["type"], o["reason"], .string(object), .string(io["fieldPath"].stringValue ?? ""),
                    .string(source), .string(o["message"].stringValue ?? ""), Cells.age(of: first),
                    .int(o["count"].intValue ?? 1), Cells.name(o),
                ]
            })
    }

    static let eventsV1 = ResourceDefinition(
        group: "events.k8s.io", version: "v1", resource: "events", kind: "Event", namespaced: true, shortNames: ["ev"],
        storageResource: "events", openAPIName: "io.k8s.api.events.v1.Event"
    ).with {
        $0.nameValidator = { _ in [] }
        $0.selectableFields = selectable
        $0.conversion = ResourceDefinition.Conversion(toStorage: toCore, fromStorage: fromCore)
        $0.printer = core.printer
        $0.printer = TablePrinter(
            columns: core.printer!.columns,
            cells: { core.printer!.cells(toCore($0)) })
    }

    static let pairs: [(core: String, v1: String)] = [
        ("involvedObject", "regarding"), ("related", "related"), ("message", "note"), ("reason", "reason"),
        ("type", "type"), ("action", "action"), ("reportingComponent", "reportingController"),
        ("reportingInstance", "reportingInstance"), ("source", "deprecatedSource"),
        ("firstTimestamp", "deprecatedFirstTimestamp"), ("lastTimestamp", "deprecatedLastTimestamp"),
        ("count", "deprecatedCount"), ("eventTime", "eventTime"), ("series", "series"),
    ]

    static let fromCore: @Sendable (JSONValue) -> JSONValue = { o in
        var out: JSONValue = ["apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": o["metadata"]]
        for (c, v) in pairs where !o[c].isNull { out[v] = o[c] }
        if out["eventTime"].isNull { out = out.withExplicitNull("eventTime") }
        return out
    }

    static let toCore: @Sendable (JSONValue) -> JSONValue = { o in
        var out: JSONValue = ["apiVersion": "v1", "kind": "Event", "metadata": o["metadata"]]
        for (c, v) in pairs where !o[v].isNull { out[c] = o[v] }
        return out
    }
}

extension JSONValue {
    /// Sets a key to an explicit JSON null (the subscript setter removes on `.null`).
    func withExplicitNull(_ key: String) -> JSONValue {
        guard var o = objectValue else { return self }
        o[key] = .null
        return .object(o)
    }
}
