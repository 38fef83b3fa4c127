import Foundation
import KubeAPI

/// ObjectMeta handling common to every kind: validation and the fields the server owns.
enum ObjectMetaRules {
    static func validate(_ object: JSONValue, _ def: ResourceDefinition) -> [FieldError] {
        var errs: [FieldError] = []
        let meta = object["metadata"]
        let name = meta["name"].stringValue ?? ""
        if let generateName = meta["generateName"].stringValue, !generateName.isEmpty {
            // Validated as a prefix: a trailing dash is fine.
            let masked = generateName.hasSuffix("-") ? String(generateName.dropLast()) + "a" : generateName
            for e in def.nameValidator(masked) { errs.append(.invalid("metadata.generateName", .string(generateName), e)) }
        }
        if name.isEmpty {
            errs.append(.required("metadata.name", "name or generateName is required"))
        } else {
            for e in def.nameValidator(name) { errs.append(.invalid("metadata.name", .string(name), e)) }
        }
        let namespace = meta["namespace"].stringValue ?? ""
        if def.namespaced {
            if namespace.isEmpty {
                errs.append(.required("metadata.namespace"))
            } else {
                for e in Validation.dns1123Label(namespace) { errs.append(.invalid("metadata.namespace", .string(namespace), e)) }
            }
        } else if !namespace.isEmpty {
            errs.append(.forbidden("metadata.namespace", "not allowed on this type"))
        }
        errs += Validation.labels(meta["labels"], path: "metadata.labels")
        errs += Validation.annotations(meta["annotations"], path: "metadata.annotations")
        for (i, f) in (meta["finalizers"].arrayValue ?? []).enumerated() {
            let s = f.stringValue ?? ""
            for e in Validation.qualifiedName(s) { errs.append(.invalid("metadata.finalizers[\(i)]", .string(s), e)) }
        }
        if let g = meta["generation"].intValue, g < 0 {
            errs.append(.invalid("metadata.generation", .int(g), "must be greater than or equal to 0"))
        }
        return errs
    }

    private static let generateAlphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    /// apiserver's name generator: the prefix plus five random characters.
    static func generateName(_ prefix: String) -> String {
        let base = prefix.count > 58 ? String(prefix.prefix(58)) : prefix
        return base + String((0..<5).map { _ in generateAlphabet.randomElement()! })
    }

    /// Sets what the server owns on a new object.
    static func prepareForCreate(_ object: inout JSONValue, _ def: ResourceDefinition, namespace: String?) {
        var meta = object["metadata"]
        if meta.objectValue == nil { meta = .emptyObject }
        if def.namespaced, let namespace { meta["namespace"] = .string(namespace) }
        if (meta["name"].stringValue ?? "").isEmpty, let prefix = meta["generateName"].stringValue, !prefix.isEmpty {
            meta["name"] = .string(generateName(prefix))
        }
        meta["uid"] = .string(UUID().uuidString.lowercased())
        meta["creationTimestamp"] = .string(Timestamp.now())
        meta["resourceVersion"] = .null
        meta["deletionTimestamp"] = .null
        meta["deletionGracePeriodSeconds"] = .null
        meta["selfLink"] = .null
        if def.tracksGeneration { meta["generation"] = 1 } else { meta["generation"] = .null }
        object["metadata"] = meta
        if def.hasStatus, !def.isCustom || def.subresources.contains("status") {
            // Status is written through /status only; a create starts from an empty one.
            object["status"] = .null
        }
        if def.group.isEmpty && def.resource == "namespaces" {
            // The namespace strategy: always finalized by the server, and Active at first.
            object["spec"]["finalizers"] = ["kubernetes"]
            object["status"] = ["phase": "Active"]
        }
    }

    /// Carries over what a client may not change on update and bumps generation on spec change.
    static func prepareForUpdate(_ new: inout JSONValue, old: JSONValue, _ def: ResourceDefinition, subresource: String?) {
        let oldMeta = old["metadata"]
        if subresource == "status" {
            // Only status (and metadata bits) may change through /status.
            var merged = old
            merged["status"] = new["status"]
            merged["metadata"]["resourceVersion"] = new["metadata"]["resourceVersion"]
            new = merged
        } else if def.hasStatus && subresource == nil {
            new["status"] = old["status"]
        }
        for field in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace", "selfLink"]
        {
            new["metadata"][field] = oldMeta[field]
        }
        if new["metadata"]["generateName"].isNull { new["metadata"]["generateName"] = oldMeta["generateName"] }
        if def.tracksGeneration, specChanged(new, old) {
            new["metadata"]["generation"] = .int((oldMeta["generation"].intValue ?? 0) + 1)
        }
    }

    /// Whether anything outside metadata and status differs.
    static func specChanged(_ a: JSONValue, _ b: JSONValue) -> Bool {
        var x = a
        var y = b
        for k in ["metadata", "status", "apiVersion", "kind"] {
            x[k] = .null
            y[k] = .null
        }
        return x != y
    }

    /// Equality ignoring the bookkeeping that changes on every write.
    static func semanticallyEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
        var x = a
        var y = b
        x["metadata"]["managedFields"] = .null
        y["metadata"]["managedFields"] = .null
        x["metadata"]["resourceVersion"] = .null
        y["metadata"]["resourceVersion"] = .null
        return x == y
    }

    /// Whether two objects record the same managers owning the same fields (times aside).
    static func sameOwnership(_ a: JSONValue, _ b: JSONValue) -> Bool {
        func strip(_ o: JSONValue) -> [JSONValue] {
            (o["metadata"]["managedFields"].arrayValue ?? []).map {
                var e = $0
                e["time"] = .null
                return e
            }
        }
        return strip(a) == strip(b)
    }
}
