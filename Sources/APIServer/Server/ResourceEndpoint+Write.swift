import Foundation
import HTTPTypes
import Hummingbird
import KubeAPI
import NIOCore
import Store

extension ResourceEndpoint {
    mutating func create(_ request: Request) async throws -> Response {
        if let sub = info.subresource {
            return try await createSubresource(sub, request)
        }
        if def.verbs == ["create"] {
            // Reviews are computed, never stored.
            return APIResponder.json(
                try await Reviews.answer(
                    try await body(request), def: def, user: user, namespace: info.namespace, authorizer: responder.authorizer,
                    authenticator: responder.authenticator), status: .created)
        }
        var object = try await body(request)
        var options = try writeOptions(request)
        try checkUnknownFields(&object, options: options)
        options.isApply = false
        let admission = Admission(storage: storage, def: def)
        let created = try await storage.create(def, namespace: info.namespace, body: object, options: options) {
            (o: inout JSONValue, fresh: Bool) throws(StatusError) in
            try await admission.admitCreate(&o, fresh: fresh)
        }
        if !options.dryRun { try await Admission(storage: storage, def: def).afterWrite(created, registry: responder.registry) }
        return try render(created, request, status: .created)
    }

    mutating func update(_ request: Request) async throws -> Response {
        guard let name = info.name else { throw StatusError.methodNotAllowed() }
        var object = try await body(request)
        let options = try writeOptions(request)
        if info.subresource == "scale" {
            let desired = object
            return try await writeScale(name: name, options: options) { _ throws(StatusError) in desired }
        }
        if info.subresource == "finalize" {
            return try render(try await finalizeNamespace(name: name, object: object, options: options), request)
        }
        try checkUnknownFields(&object, options: options)
        let sub = info.subresource
        let desired = object
        let updated = try await storage.update(def, namespace: namespace, name: name, subresource: sub, options: options) {
            _ throws(StatusError) in desired
        }
        if !options.dryRun { try await Admission(storage: storage, def: def).afterWrite(updated, registry: responder.registry) }
        return try render(updated, request)
    }

    mutating func patch(_ request: Request) async throws -> Response {
        guard let name = info.name else { throw StatusError.methodNotAllowed() }
        let patchBody = try await body(request)
        let contentType =
            (request.headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        var options = try writeOptions(request)
        if contentType == "application/apply-patch+yaml" {
            guard query.fieldManager != nil else {
                throw StatusError.badRequest(
                    "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")
            }
            options.isApply = true
            return try await apply(name: name, applied: patchBody, options: options, request: request)
        }
        let schema = storage.schema(for: def)
        let schemas = storage.schemas
        let isCustom = def.isCustom
        let precondition = Self.resourceVersionNamed(by: patchBody, contentType: contentType)
        let apply: @Sendable (JSONValue) throws(StatusError) -> JSONValue = { current throws(StatusError) in
            var patched = try Self.applyPatch(
                patchBody, contentType: contentType, to: current, schema: schema, schemas: schemas, isCustom: isCustom)
            // Only a resourceVersion the patch itself names is a precondition; the one copied
            // from the object read must not turn a concurrent write into a Conflict.
            patched["metadata"]["resourceVersion"] = precondition.map(JSONValue.string) ?? .null
            return patched
        }
        if info.subresource == "scale" {
            return try await writeScale(name: name, options: options, transform: apply)
        }
        var unknownCheck = self
        let updated = try await storage.update(def, namespace: namespace, name: name, subresource: info.subresource, options: options) {
            current throws(StatusError) in
            var patched = try apply(current)
            try unknownCheck.checkUnknownFields(&patched, options: options)
            return patched
        }
        warnings += unknownCheck.warnings
        if !options.dryRun { try await Admission(storage: storage, def: def).afterWrite(updated, registry: responder.registry) }
        return try render(updated, request)
    }

    /// The resourceVersion a patch sets (merge and strategic patches) or tests/replaces (JSON patch).
    static func resourceVersionNamed(by patch: JSONValue, contentType: String) -> String? {
        if contentType == "application/json-patch+json" {
            let ops = patch.arrayValue ?? []
            return ops.last { $0["path"].stringValue == "/metadata/resourceVersion" && $0["op"].stringValue != "remove" }?["value"]
                .stringValue
        }
        return patch["metadata"]["resourceVersion"].stringValue
    }

    static func applyPatch(
        _ patch: JSONValue, contentType: String, to current: JSONValue, schema: JSONValue?, schemas: SchemaIndex, isCustom: Bool
    ) throws(StatusError) -> JSONValue {
        do throws(PatchError) {
            switch contentType {
            case "application/json-patch+json": return try JSONPatch.apply(patch, to: current)
            case "application/merge-patch+json": return MergePatch.apply(patch, to: current)
            case "application/strategic-merge-patch+json" where !isCustom:
                return try StrategicMergePatch(index: schemas).apply(patch, to: current, schema: schema)
            default: break
            }
        } catch {
            throw StatusError(code: 422, reason: .invalid, message: "the server rejected our request due to an error in our request")
        }
        throw StatusError.unsupportedMediaType(contentType)
    }

    mutating func apply(name: String, applied: JSONValue, options: WriteOptions, request: Request) async throws -> Response {
        var applied = applied
        try RESTStorage.checkTypeMeta(&applied, def)
        if let n = applied["metadata"]["name"].stringValue, n != name {
            throw StatusError.badRequest("the name of the object (\(n)) does not match the name on the URL (\(name))")
        }
        try checkUnknownFields(&applied, options: options)
        let ssa = ServerSideApply(paths: FieldPaths(index: storage.schemas))
        let schema = storage.schema(for: def)
        let def = self.def
        do {
            let updated = try await storage.update(def, namespace: namespace, name: name, subresource: info.subresource, options: options) {
                live throws(StatusError) in
                var merged = try ssa.apply(
                    applied: applied, live: live, manager: options.fieldManager, force: options.force, schema: schema, def: def)
                merged["metadata"]["resourceVersion"] = applied["metadata"]["resourceVersion"]
                return merged
            }
            return try render(updated, request)
        } catch {
            guard error.code == 404 && info.subresource == nil else { throw error }
            var object = try ssa.apply(
                applied: applied, live: nil, manager: options.fieldManager, force: options.force, schema: schema, def: def)
            object["metadata"]["name"] = .string(name)
            let admission = Admission(storage: storage, def: def)
            let created = try await storage.create(def, namespace: info.namespace, body: object, options: options) {
                (o: inout JSONValue, fresh: Bool) throws(StatusError) in
                try await admission.admitCreate(&o, fresh: fresh)
            }
            if !options.dryRun { try await admission.afterWrite(created, registry: responder.registry) }
            return try render(created, request, status: .created)
        }
    }

    func delete(_ request: Request) async throws -> Response {
        guard let name = info.name else { throw StatusError.methodNotAllowed() }
        var request = request
        let buffer = try? await request.collectBody(upTo: 64 * 1024)
        let bodyJSON = buffer.flatMap { $0.readableBytes > 0 ? try? JSONParser.parse(Array($0.readableBytesView)) : nil }
        let options = try DeleteOptions(body: bodyJSON, query: query)
        let admission = Admission(storage: storage, def: def)
        try await admission.beforeDelete(name: name, namespace: namespace, options: options, registry: responder.registry)
        let result = try await storage.delete(def, namespace: namespace, name: name, options: options)
        if result.removed && !options.dryRun { try await admission.afterDelete(result.object, registry: responder.registry) }
        if result.removed && def.resource != "pods" && def.resource != "namespaces" {
            return APIResponder.json(RESTStorage.deletedStatus(result.object, def))
        }
        return try render(result.object, request)
    }

    func deleteCollection(_ request: Request) async throws -> Response {
        let (labels, fields) = try selectors()
        let options = try DeleteOptions(body: nil, query: query)
        let list = try await storage.list(
            def, namespace: namespace, labelSelector: labels, fieldSelector: fields, limit: 0, continueToken: nil, resourceVersion: nil)
        var deleted: [JSONValue] = []
        for item in list.items {
            let name = item["metadata"]["name"].stringValue ?? ""
            do {
                let r = try await storage.delete(def, namespace: item["metadata"]["namespace"].stringValue, name: name, options: options)
                deleted.append(r.object)
            } catch {
                if error.code == 404 { continue }
                throw error
            }
        }
        return APIResponder.json([
            "kind": .string("\(def.kind)List"), "apiVersion": .string(def.groupVersion),
            "metadata": ["resourceVersion": .string(String(list.resourceVersion))], "items": .array(deleted),
        ])
    }

    // MARK: subresources

    func writeScale(name: String, options: WriteOptions, transform: @escaping @Sendable (JSONValue) throws(StatusError) -> JSONValue)
        async throws -> Response
    {
        let def = self.def
        let updated = try await storage.update(def, namespace: namespace, name: name, subresource: "scale", options: options) {
            current throws(StatusError) in
            let scale = try ScaleSubresource.scale(of: current, def)
            let newScale = try transform(scale)
            return try ScaleSubresource.applyScale(newScale, to: current, def)
        }
        return APIResponder.json(try ScaleSubresource.scale(of: updated, def))
    }

    func createSubresource(_ sub: String, _ request: Request) async throws -> Response {
        guard let name = info.name else { throw StatusError.notFoundPath }
        let object = try await body(request)
        switch (def.resource, sub) {
        case ("serviceaccounts", "token"):
            let sa = try await storage.get(def, namespace: namespace, name: name)
            return APIResponder.json(try await responder.tokenIssuer.issue(for: sa, request: object), status: .created)
        case ("pods", "binding"):
            let target = object["target"]["name"].stringValue ?? ""
            let options = try writeOptions(request)
            _ = try await storage.update(def, namespace: namespace, name: name, subresource: "binding", options: options) {
                current throws(StatusError) in
                if let node = current["spec"]["nodeName"].stringValue, !node.isEmpty {
                    throw StatusError.conflict(
                        resource: "pods", group: "", name: name, detail: "pod \(name) is already assigned to node \"\(node)\"")
                }
                var bound = current
                bound["spec"]["nodeName"] = .string(target)
                var conditions = bound["status"]["conditions"].arrayValue ?? []
                conditions.removeAll { $0["type"].stringValue == "PodScheduled" }
                conditions.append([
                    "type": "PodScheduled", "status": "True", "lastProbeTime": nil, "lastTransitionTime": .string(Timestamp.now()),
                ])
                bound["status"]["conditions"] = .array(conditions)
                return bound
            }
            return APIResponder.json(
                ["kind": "Status", "apiVersion": "v1", "metadata": .emptyObject, "status": "Success", "code": 201], status: .created)
        case ("pods", "eviction"):
            let pod = try await storage.get(def, namespace: namespace, name: name)
            try await Eviction(storage: storage).admit(pod)
            _ = try await storage.delete(def, namespace: namespace, name: name, options: DeleteOptions())
            return APIResponder.json(
                ["kind": "Status", "apiVersion": "v1", "metadata": .emptyObject, "status": "Success", "code": 201], status: .created)
        default:
            throw StatusError.methodNotAllowed()
        }
    }

    func finalizeNamespace(name: String, object: JSONValue, options: WriteOptions) async throws -> JSONValue {
        try await storage.update(def, namespace: nil, name: name, subresource: "finalize", options: options) {
            current throws(StatusError) in
            var updated = current
            updated["spec"]["finalizers"] = object["spec"]["finalizers"]
            return updated
        }
    }
}
