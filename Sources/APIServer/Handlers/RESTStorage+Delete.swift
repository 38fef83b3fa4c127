import Foundation
import KubeAPI
import Store

/// `metav1.DeleteOptions`, from the body and the query.
struct DeleteOptions: Sendable {
    var propagationPolicy: String?
    var gracePeriodSeconds: Int64?
    var preconditionUID: String?
    var preconditionResourceVersion: String?
    var dryRun = false

    init(body: JSONValue?, query: QueryOptions) throws(StatusError) {
        let b = body ?? .emptyObject
        propagationPolicy = b["propagationPolicy"].stringValue ?? query["propagationPolicy"]
        if b["orphanDependents"].boolValue == true || query["orphanDependents"] == "true" {
            propagationPolicy = propagationPolicy ?? "Orphan"
        }
        gracePeriodSeconds = b["gracePeriodSeconds"].intValue ?? query["gracePeriodSeconds"].flatMap { Int64($0) }
        preconditionUID = b["preconditions"]["uid"].stringValue
        preconditionResourceVersion = b["preconditions"]["resourceVersion"].stringValue
        dryRun = query.dryRun || (b["dryRun"].arrayValue ?? []).contains("All")
        if let p = propagationPolicy, !["Orphan", "Background", "Foreground"].contains(p) {
            throw StatusError.invalid(
                kind: "DeleteOptions", group: "", name: "",
                causes: [.notSupported("propagationPolicy", .string(p), ["Foreground", "Background", "Orphan", "nil"])])
        }
    }

    init() {}
}

extension RESTStorage {
    struct DeleteResult {
        var object: JSONValue
        /// False when finalizers (or graceful termination) keep the object for now.
        var removed: Bool
    }

    func delete(_ def: ResourceDefinition, namespace: String?, name: String, options: DeleteOptions) async throws(StatusError)
        -> DeleteResult
    {
        // As `update`: the first attempt may start from the store's cache; whatever would end
        // the delete without writing is decided again on a real read.
        var fresh = options.dryRun
        for _ in 0..<16 {
            let (current, kv, isCurrent) = try await readSuggestion(def, namespace: namespace, name: name, fresh: fresh)
            fresh = true
            if !isCurrent,
                options.preconditionUID.map({ $0 != current["metadata"]["uid"].stringValue }) ?? false
                    || options.preconditionResourceVersion.map({ $0 != String(kv.modRevision) }) ?? false
            {
                continue
            }
            if let uid = options.preconditionUID, uid != current["metadata"]["uid"].stringValue {
                throw StatusError.conflict(
                    resource: def.resource, group: def.group, name: name,
                    detail:
                        "Precondition failed: UID in precondition: \(uid), UID in object meta: \(current["metadata"]["uid"].stringValue ?? "")"
                )
            }
            if let rv = options.preconditionResourceVersion, rv != String(kv.modRevision) {
                throw StatusError.conflict(
                    resource: def.resource, group: def.group, name: name,
                    detail: "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(kv.modRevision)"
                )
            }
            var finalizers = (current["metadata"]["finalizers"].arrayValue ?? []).compactMap(\.stringValue)
            switch options.propagationPolicy {
            case "Foreground" where !finalizers.contains("foregroundDeletion"): finalizers.append("foregroundDeletion")
            case "Orphan" where !finalizers.contains("orphan"): finalizers.append("orphan")
            default: break
            }
            let namespaceFinalizers = def.resource == "namespaces" && def.group.isEmpty
            let graceful =
                def.resource == "pods" && def.group.isEmpty && !(current["spec"]["nodeName"].stringValue ?? "").isEmpty
                && (options.gracePeriodSeconds ?? current["spec"]["terminationGracePeriodSeconds"].intValue ?? 30) > 0
                && current["status"]["phase"].stringValue != "Succeeded" && current["status"]["phase"].stringValue != "Failed"
            let key = def.storageKey(namespace: namespace, name: name)
            do {
                if !finalizers.isEmpty || namespaceFinalizers || graceful {
                    // Mark for deletion and keep: finalizers (or the kubelet) finish the job.
                    var marked = def.conversion.map { $0.toStorage(current) } ?? current
                    if marked["metadata"]["deletionTimestamp"].isNull {
                        let grace =
                            graceful ? (options.gracePeriodSeconds ?? current["spec"]["terminationGracePeriodSeconds"].intValue ?? 30) : 0
                        marked["metadata"]["deletionTimestamp"] = .string(Timestamp.format(Date().addingTimeInterval(Double(grace))))
                        marked["metadata"]["deletionGracePeriodSeconds"] = .int(grace)
                    }
                    marked["metadata"]["finalizers"] = finalizers.isEmpty ? .null : .array(finalizers.map { .string($0) })
                    if namespaceFinalizers { marked["status"]["phase"] = "Terminating" }
                    let unchanged = marked == (def.conversion.map { $0.toStorage(current) } ?? current)
                    if unchanged && !isCurrent { continue }
                    if unchanged || options.dryRun {
                        return DeleteResult(
                            object: options.dryRun ? (def.conversion.map { $0.fromStorage(marked) } ?? marked) : current, removed: false)
                    }
                    let written = try await store.update(key, value: ObjectCodec.encode(marked, def), expectedRevision: kv.modRevision)
                    return DeleteResult(object: try ObjectCodec.decode(written, def), removed: false)
                }
                if options.dryRun { return DeleteResult(object: current, removed: true) }
                _ = try await store.delete(key, expectedRevision: kv.modRevision)
                return DeleteResult(object: current, removed: true)
            } catch StoreError.revisionMismatch {
                continue
            } catch {
                throw StatusError.from(any: error, def, name: name)
            }
        }
        throw StatusError.conflict(resource: def.resource, group: def.group, name: name, detail: StatusError.modifiedDetail)
    }

    /// The `Status` kube-apiserver answers for a completed delete.
    static func deletedStatus(_ object: JSONValue, _ def: ResourceDefinition) -> JSONValue {
        var details: JSONValue = ["name": object["metadata"]["name"], "kind": .string(def.resource), "uid": object["metadata"]["uid"]]
        if !def.group.isEmpty { details["group"] = .string(def.group) }
        return ["kind": "Status", "apiVersion": "v1", "metadata": .emptyObject, "status": "Success", "details": details]
    }
}
