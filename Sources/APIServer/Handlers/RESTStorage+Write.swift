import Foundation
import KubeAPI
import Store

extension RESTStorage {
    func schema(for def: ResourceDefinition) -> JSONValue? {
        if let s = def.schema { return s }
        return def.openAPIName.flatMap { schemas.schema(named: $0) }
    }

    var managedFields: ManagedFields { ManagedFields(paths: FieldPaths(index: schemas)) }

    /// apiVersion/kind in a body must name this resource (or be left out).
    static func checkTypeMeta(_ object: inout JSONValue, _ def: ResourceDefinition) throws(StatusError) {
        guard object.objectValue != nil else {
            throw StatusError.badRequest("the object provided is unrecognized (must be of type \(def.kind))")
        }
        if let apiVersion = object["apiVersion"].stringValue, !apiVersion.isEmpty, apiVersion != def.groupVersion {
            throw StatusError.badRequest(
                "the API version in the data (\(apiVersion)) does not match the expected API version (\(def.groupVersion))")
        }
        if let kind = object["kind"].stringValue, !kind.isEmpty, kind != def.kind {
            throw StatusError.badRequest("the kind in the data (\(kind)) does not match the expected kind (\(def.kind))")
        }
        object["apiVersion"] = .string(def.groupVersion)
        object["kind"] = .string(def.kind)
    }

    /// NamespaceLifecycle admission: the namespace must exist and not be terminating.
    /// Checked on the store's cache where it has one (kube-apiserver's admission uses an
    /// informer); an absent or terminating namespace there is confirmed by a real read before
    /// the create is refused, and an accepted one comes back as a requirement: the create
    /// then commits only while the namespace is still at the revision checked, so a create
    /// never lands in a namespace that is really gone or terminating, however stale the cache.
    func checkNamespaceAccepts(
        _ def: ResourceDefinition, namespace: String, name: String, fresh: Bool = false
    ) async throws(StatusError) -> [WriteRequirement] {
        let found: (object: JSONValue, kv: KeyValue, isCurrent: Bool)
        do {
            found = try await readSuggestion(CoreKinds.namespaces, namespace: nil, name: namespace, fresh: fresh)
        } catch {
            if error.code == 404 { throw StatusError.notFound(resource: "namespaces", group: "", name: namespace) }
            throw error
        }
        if !found.object["metadata"]["deletionTimestamp"].isNull {
            if !found.isCurrent { return try await checkNamespaceAccepts(def, namespace: namespace, name: name, fresh: true) }
            throw StatusError.forbidden(
                resource: def.resource, group: def.group, name: name,
                reason: "unable to create new content in namespace \(namespace) because it is being terminated")
        }
        return found.isCurrent ? [] : [.keyAt(found.kv.key, modRevision: found.kv.modRevision)]
    }

    func validate(_ object: JSONValue, old: JSONValue?, _ def: ResourceDefinition) throws(StatusError) {
        var errs = ObjectMetaRules.validate(object, def)
        if let old {
            if old["metadata"]["name"] != object["metadata"]["name"] {
                errs.append(.invalid("metadata.name", object["metadata"]["name"], "field is immutable"))
            }
            if !old["metadata"]["deletionTimestamp"].isNull {
                let before = Set((old["metadata"]["finalizers"].arrayValue ?? []).compactMap(\.stringValue))
                let after = (object["metadata"]["finalizers"].arrayValue ?? []).compactMap(\.stringValue)
                if let added = after.first(where: { !before.contains($0) }) {
                    errs.append(
                        .forbidden(
                            "metadata.finalizers",
                            "no new finalizers can be added if the object is being deleted, found new finalizers []string{\"\(added)\"}"))
                }
            }
        }
        errs += def.validator?(object, old) ?? []
        if !errs.isEmpty {
            throw StatusError.invalid(kind: def.kind, group: def.group, name: object["metadata"]["name"].stringValue ?? "", causes: errs)
        }
    }

    /// Admission that runs inside `create`: may change the object, and answers the
    /// requirements under which what it checked on the store's cache stays true (`fresh`:
    /// check on real reads instead).
    typealias CreateAdmission = @Sendable (inout JSONValue, _ fresh: Bool) async throws(StatusError) -> [WriteRequirement]

    /// Creates the object. The namespace and admission checks run on the store's cache where
    /// it has one; the store then commits only while what they saw still holds, and when it
    /// no longer does (the cache was behind) the checks run again on real reads.
    func create(
        _ def: ResourceDefinition, namespace: String?, body: JSONValue, options: WriteOptions, admit: CreateAdmission? = nil
    ) async throws(StatusError) -> JSONValue {
        if let created = try await createAttempt(
            def, namespace: namespace, body: body, options: options, admit: admit, fresh: options.dryRun)
        {
            return created
        }
        if let created = try await createAttempt(def, namespace: namespace, body: body, options: options, admit: admit, fresh: true) {
            return created
        }
        throw StatusError.conflict(resource: def.resource, group: def.group, name: "", detail: StatusError.modifiedDetail)
    }

    /// One attempt; nil when a requirement from the cached checks failed.
    private func createAttempt(
        _ def: ResourceDefinition, namespace: String?, body: JSONValue, options: WriteOptions, admit: CreateAdmission?, fresh: Bool
    ) async throws(StatusError) -> JSONValue? {
        var object = body
        try Self.checkTypeMeta(&object, def)
        if def.namespaced {
            guard let namespace else { throw StatusError.badRequest("the server could not find the requested resource") }
            if let bodyNamespace = object["metadata"]["namespace"].stringValue, !bodyNamespace.isEmpty, bodyNamespace != namespace {
                throw StatusError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
        }
        if let conversion = def.conversion {
            object = conversion.toStorage(object)
            object["apiVersion"] = .string(def.groupVersion)
        }
        ObjectMetaRules.prepareForCreate(&object, def, namespace: namespace)
        let name = object["metadata"]["name"].stringValue ?? ""
        var requirements: [WriteRequirement] = []
        if def.namespaced, let namespace {
            requirements += try await checkNamespaceAccepts(def, namespace: namespace, name: name, fresh: fresh)
        }
        def.defaulter?(&object)
        if let admit { requirements += try await admit(&object, fresh) }
        try validate(object, old: nil, def)
        if !options.isApply {
            managedFields.recordUpdate(old: nil, new: &object, manager: options.fieldManager, schema: schema(for: def), subresource: nil)
        }
        if options.dryRun {
            return def.conversion.map { $0.fromStorage(object) } ?? object
        }
        do {
            let kv = try await store.create(
                def.storageKey(namespace: namespace, name: name), value: ObjectCodec.encode(object, def), requiring: requirements)
            return try ObjectCodec.decode(kv, def)
        } catch StoreError.requirementFailed {
            return nil
        } catch {
            throw StatusError.from(any: error, def, name: name)
        }
    }

    /// Read-modify-write with optimistic concurrency. `transform` maps the current object
    /// to the desired one; a `resourceVersion` it carries is a precondition. Retries lost
    /// races when the client did not ask for a specific version.
    ///
    /// The first attempt starts from the store's cache where it has one (kube-apiserver's
    /// GuaranteedUpdate with its cached existing object): the cached revision is only the
    /// compare-and-swap's expectation, so a stale copy fails the swap and the next attempt
    /// reads the store. Every decision that would end the update without writing (an error,
    /// a failed precondition, nothing to change) is likewise taken again on a real read
    /// before it is answered.
    func update(
        _ def: ResourceDefinition, namespace: String?, name: String, subresource: String?, options: WriteOptions,
        transform: (JSONValue) async throws(StatusError) -> JSONValue
    ) async throws(StatusError) -> JSONValue {
        var fresh = options.dryRun
        for _ in 0..<16 {
            let (current, kv, isCurrent) = try await readSuggestion(def, namespace: namespace, name: name, fresh: fresh)
            fresh = true
            let planned: PlannedUpdate
            do {
                planned = try await planUpdate(
                    def, namespace: namespace, name: name, subresource: subresource, options: options, current: current, kv: kv,
                    transform: transform)
            } catch {
                if isCurrent { throw error }
                continue
            }
            let new: JSONValue
            switch planned {
            case .unchanged:
                if isCurrent { return current }
                continue
            case .dryRun(let result):
                return result
            case .write(let object):
                new = object
            }
            let finalizers = new["metadata"]["finalizers"].arrayValue ?? []
            let finishDeletion =
                !new["metadata"]["deletionTimestamp"].isNull && finalizers.isEmpty
                && (def.resource != "namespaces" || (new["spec"]["finalizers"].arrayValue ?? []).isEmpty)
            do {
                let key = def.storageKey(namespace: namespace, name: name)
                if finishDeletion {
                    let deleted = try await store.delete(key, expectedRevision: kv.modRevision)
                    var gone = new
                    gone["metadata"]["resourceVersion"] = .string(String(deleted.modRevision))
                    return def.conversion.map { $0.fromStorage(gone) } ?? gone
                }
                let written = try await store.update(key, value: ObjectCodec.encode(new, def), expectedRevision: kv.modRevision)
                return try ObjectCodec.decode(written, def)
            } catch StoreError.revisionMismatch {
                // Someone wrote first (or the cached copy was stale): read again and re-run the
                // transform. A resourceVersion the client sent then fails the precondition
                // check; one the transform copied from the object it read does not.
                continue
            } catch {
                throw StatusError.from(any: error, def, name: name)
            }
        }
        throw StatusError.conflict(resource: def.resource, group: def.group, name: name, detail: StatusError.modifiedDetail)
    }

    enum PlannedUpdate {
        /// The transform changes nothing that is stored.
        case unchanged
        case dryRun(JSONValue)
        /// The object to store.
        case write(JSONValue)
    }

    /// One attempt's decisions on `current`: transform, checks, defaulting, validation.
    private func planUpdate(
        _ def: ResourceDefinition, namespace: String?, name: String, subresource: String?, options: WriteOptions,
        current: JSONValue, kv: KeyValue, transform: (JSONValue) async throws(StatusError) -> JSONValue
    ) async throws(StatusError) -> PlannedUpdate {
        var new = try await transform(current)
        try Self.checkTypeMeta(&new, def)
        if let bodyName = new["metadata"]["name"].stringValue, !bodyName.isEmpty, bodyName != name {
            throw StatusError.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        if def.namespaced, let namespace, let bodyNamespace = new["metadata"]["namespace"].stringValue,
            !bodyNamespace.isEmpty, bodyNamespace != namespace
        {
            throw StatusError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
        new["metadata"]["name"] = .string(name)
        let precondition = new["metadata"]["resourceVersion"].stringValue.flatMap { $0.isEmpty ? nil : Revision($0) }
        if let precondition, precondition != kv.modRevision {
            throw StatusError.conflict(resource: def.resource, group: def.group, name: name, detail: StatusError.modifiedDetail)
        }
        if let conversion = def.conversion { new = conversion.toStorage(new) }
        var storedCurrent = def.conversion.map { $0.toStorage(current) } ?? current
        storedCurrent["apiVersion"] = new["apiVersion"]
        ObjectMetaRules.prepareForUpdate(&new, old: storedCurrent, def, subresource: subresource)
        def.preserveOnUpdate?(&new, storedCurrent)
        if subresource != "status" { def.defaulter?(&new) }
        try validate(new, old: storedCurrent, def)
        if ObjectMetaRules.semanticallyEqual(new, storedCurrent),
            !options.isApply || ObjectMetaRules.sameOwnership(new, storedCurrent)
        {
            return .unchanged
        }
        if !options.isApply {
            managedFields.recordUpdate(
                old: storedCurrent, new: &new, manager: options.fieldManager, schema: schema(for: def), subresource: subresource)
        }
        if options.dryRun {
            new["metadata"]["resourceVersion"] = .string(String(kv.modRevision))
            return .dryRun(def.conversion.map { $0.fromStorage(new) } ?? new)
        }
        return .write(new)
    }
}
