import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle

/// Deletes objects whose owners are all gone (background cascading deletion), finishes
/// foreground deletion (deletes dependents, then drops the `foregroundDeletion`
/// finalizer) and orphaning (strips owner references, then drops the `orphan`
/// finalizer), across the resource types a sandbox's controllers and users create.
struct GarbageCollector: Reconciler {
    static let foreground = "foregroundDeletion"
    static let orphan = "orphan"

    /// What the collector watches: the kinds that own or are owned in practice.
    static let watched: [ResourceType] = [
        .pods, .replicaSets, .deployments, .statefulSets, .daemonSets, .jobs, .cronJobs, .controllerRevisions, .endpointSlices,
        .services, .configMaps, .secrets, .persistentVolumeClaims, .replicationControllers, .serviceAccounts, .nodes, .leases,
    ]

    let context: SandboxContext
    let informers: [ResourceType: Informer]
    let graph: OwnerGraph

    static func services(_ context: SandboxContext) -> [any Service] {
        var informers: [ResourceType: Informer] = [:]
        for type in watched { informers[type] = context.informers.informer(for: type) }
        let graph = OwnerGraph()
        let reconciler = GarbageCollector(context: context, informers: informers, graph: graph)
        let controller = Controller(
            name: "garbage-collector", reconciler: reconciler, informers: Array(informers.values), workers: 4, logger: context.logger)
        let queue = controller.queue
        for (type, informer) in informers {
            informer.addHandler { event in
                let object = event.object
                let ref = ObjectRef(type: type, key: ObjectKey(object))
                if case .deleted = event {
                    for affected in graph.remove(uid: object.uid) { queue.add(affected) }
                    return
                }
                graph.upsert(object, ref: ref)
                let finalizers = object.finalizers
                if !object.ownerReferences.isEmpty || finalizers.contains(foreground) || finalizers.contains(orphan) { queue.add(ref) }
                // A dependent that starts deleting may unblock its foreground-deleting owner.
                if object.isDeleting { for owner in graph.owners(of: object.uid) { queue.add(owner) } }
            }
        }
        return [controller]
    }

    func reconcile(_ ref: ObjectRef, logger: Logger) async throws -> ReconcileResult {
        guard let informer = informers[ref.type], let object = await informer.get(namespace: ref.key.namespace, name: ref.key.name) else {
            return .done
        }
        let finalizers = object.finalizers
        if object.isDeleting, finalizers.contains(Self.foreground) { return try await finishForeground(object, ref: ref) }
        if object.isDeleting, finalizers.contains(Self.orphan) { return try await finishOrphan(object, ref: ref) }
        if object.isDeleting || object.ownerReferences.isEmpty { return .done }
        var absent: Set<String> = []
        var waitingOwner = false
        for owner in object.ownerReferences {
            guard let uid = owner["uid"].stringValue else { continue }
            if let ownerRef = graph.ref(uid: uid) {
                // An owner being deleted in the foreground deletes its blocking dependents itself.
                if let o = await informers[ownerRef.type]?.get(namespace: ownerRef.key.namespace, name: ownerRef.key.name),
                    o.isDeleting, o.finalizers.contains(Self.foreground)
                {
                    waitingOwner = true
                }
                continue
            }
            if try await ownerIsGone(owner, dependent: object) { absent.insert(uid) }
        }
        if waitingOwner || absent.isEmpty { return .done }
        if absent.count == object.ownerReferences.count {
            logger.debug("deleting object whose owners are gone", metadata: ["meridian.object": "\(ref)"])
            try await context.client.deleteIfExists(
                ref.type, namespace: ref.key.namespace.isEmpty ? nil : ref.key.namespace, name: ref.key.name,
                options: DeleteOptions(propagationPolicy: .background, preconditionUID: object.uid))
        } else {
            let kept = object.ownerReferences.filter { !absent.contains($0["uid"].stringValue ?? "") }
            try await setOwnerReferences(object, ref: ref, kept)
        }
        return .done
    }

    /// Whether an owner the graph does not know is really gone (a live read, so a just-created
    /// owner the informer has not delivered yet is not mistaken for a missing one).
    private func ownerIsGone(_ owner: JSONValue, dependent: JSONValue) async throws -> Bool {
        guard let type = Self.type(apiVersion: owner["apiVersion"].stringValue ?? "", kind: owner["kind"].stringValue ?? "") else {
            return false  // a kind not watched here: never collect on a guess
        }
        let namespace = type.namespaced ? dependent.namespace : nil
        guard let live = try await context.client.getIfExists(type, namespace: namespace, name: owner["name"].stringValue ?? "") else {
            return true
        }
        return live.uid != owner["uid"].stringValue
    }

    private func finishForeground(_ object: JSONValue, ref: ObjectRef) async throws -> ReconcileResult {
        var blocking = 0
        for dependentRef in graph.dependents(of: object.uid) {
            guard
                let dependent = await informers[dependentRef.type]?.get(namespace: dependentRef.key.namespace, name: dependentRef.key.name)
            else { continue }
            let blocks = dependent.ownerReferences.contains {
                $0["uid"].stringValue == object.uid && $0["blockOwnerDeletion"].boolValue == true
            }
            if blocks { blocking += 1 }
            if !dependent.isDeleting {
                try await context.client.deleteIfExists(
                    dependentRef.type, namespace: dependentRef.key.namespace.isEmpty ? nil : dependentRef.key.namespace,
                    name: dependentRef.key.name, options: DeleteOptions(propagationPolicy: .foreground, preconditionUID: dependent.uid))
            }
        }
        if blocking == 0 { try await removeFinalizer(Self.foreground, from: object, ref: ref) }
        return .done
    }

    private func finishOrphan(_ object: JSONValue, ref: ObjectRef) async throws -> ReconcileResult {
        for dependentRef in graph.dependents(of: object.uid) {
            guard
                let dependent = await informers[dependentRef.type]?.get(namespace: dependentRef.key.namespace, name: dependentRef.key.name)
            else { continue }
            let kept = dependent.ownerReferences.filter { $0["uid"].stringValue != object.uid }
            try await setOwnerReferences(dependent, ref: dependentRef, kept)
        }
        try await removeFinalizer(Self.orphan, from: object, ref: ref)
        return .done
    }

    private func setOwnerReferences(_ object: JSONValue, ref: ObjectRef, _ references: [JSONValue]) async throws {
        let patch: JSONValue = [
            "metadata": [
                "ownerReferences": references.isEmpty ? .null : .array(references),
                "resourceVersion": object["metadata"]["resourceVersion"],
            ]
        ]
        do {
            _ = try await context.client.patch(
                ref.type, namespace: ref.key.namespace.isEmpty ? nil : ref.key.namespace, name: ref.key.name, patch, as: .merge)
        } catch {
            if !error.isNotFound { throw error }
        }
    }

    private func removeFinalizer(_ finalizer: String, from object: JSONValue, ref: ObjectRef) async throws {
        let remaining = object.finalizers.filter { $0 != finalizer }
        let patch: JSONValue = [
            "metadata": [
                "finalizers": remaining.isEmpty ? .null : .array(remaining.map(JSONValue.string)),
                "resourceVersion": object["metadata"]["resourceVersion"],
            ]
        ]
        do {
            _ = try await context.client.patch(
                ref.type, namespace: ref.key.namespace.isEmpty ? nil : ref.key.namespace, name: ref.key.name, patch, as: .merge)
        } catch {
            if !error.isNotFound { throw error }
        }
    }

    static func type(apiVersion: String, kind: String) -> ResourceType? {
        watched.first { $0.apiVersion == apiVersion && $0.kind == kind }
    }
}
