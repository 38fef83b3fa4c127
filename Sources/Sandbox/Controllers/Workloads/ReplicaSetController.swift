import Foundation
import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle

/// Keeps `spec.replicas` pods running for each ReplicaSet (and, with the same logic,
/// each ReplicationController): adopts matching orphans, creates missing pods from the
/// template, deletes surplus ones in Kubernetes' order, and reports replicas,
/// fullyLabeledReplicas, readyReplicas, availableReplicas and observedGeneration.
struct ReplicaSetController: Reconciler {
    let context: SandboxContext
    let type: ResourceType
    let owners: Informer
    let pods: Informer
    let events: EventRecorder
    let expectations = PodExpectations()

    static func services(_ context: SandboxContext) -> [any Service] {
        [
            make(context, type: .replicaSets, component: "replicaset-controller"),
            make(context, type: .replicationControllers, component: "replication-controller"),
        ]
    }

    static func make(_ context: SandboxContext, type: ResourceType, component: String) -> any Service {
        let reconciler = ReplicaSetController(
            context: context, type: type, owners: context.informers.informer(for: type), pods: context.informers.informer(for: .pods),
            events: context.recorder(component))
        let controller = Controller(
            name: component, reconciler: reconciler, informers: [reconciler.owners, reconciler.pods], workers: 4, logger: context.logger)
        let queue = controller.queue
        reconciler.owners.addHandler { queue.add(ObjectKey($0.object)) }
        reconciler.pods.addHandler { event in
            var refs = [event.object.controllerReference]
            if case .updated(let old, _) = event { refs.append(old.controllerReference) }
            for case let ref? in refs where ref["kind"].stringValue == type.kind {
                queue.add(ObjectKey(namespace: event.object.namespace, name: ref["name"].stringValue ?? ""))
            }
        }
        return controller
    }

    func selector(_ owner: JSONValue) -> LabelSelector? {
        if type == .replicationControllers {
            // A ReplicationController's selector is a plain map (defaulting to the template's labels).
            var map = owner["spec"]["selector"]
            if map.objectValue?.isEmpty ?? true { map = owner["spec"]["template"]["metadata"]["labels"] }
            return try? LabelSelector.from(object: ["matchLabels": map])
        }
        return owner.specSelector
    }

    func reconcile(_ key: ObjectKey, logger: Logger) async throws -> ReconcileResult {
        guard let owner = await owners.get(namespace: key.namespace, name: key.name) else {
            await expectations.forget(key)
            return .done
        }
        guard let selector = selector(owner), !selector.requirements.isEmpty else { return .done }
        var owned: [JSONValue] = []
        for pod in await pods.claimable(by: owner.uid, namespace: key.namespace) {
            if pod.isControlled(by: owner) {
                owned.append(pod)
            } else if pod.controllerReference == nil, !pod.isDeleting, !owner.isDeleting, selector.matches(pod.labels) {
                if let adopted = try await adopt(pod, by: owner) { owned.append(adopted) }
            }
        }
        let active = owned.filter(PodControl.isActive)
        var failure: KubeClientError?
        if !owner.isDeleting {
            let (creating, deleting) = await expectations.outstanding(key, visible: Set(active.map(\.name)))
            let current = active.count + creating - deleting.count
            let desired = Int(owner["spec"]["replicas"].intValue ?? 1)
            if current < desired {
                failure = await create(desired - current, for: owner, key: key)
            } else if current > desired {
                let candidates = PodControl.deletionOrder(active.filter { !deleting.contains($0.name) })
                try await delete(Array(candidates.prefix(current - desired)), of: owner, key: key)
            }
        }
        try await updateStatus(owner, active: active, failure: failure)
        if let failure { throw failure }
        let minReady = owner["spec"]["minReadySeconds"].intValue ?? 0
        if minReady > 0, active.contains(where: { PodControl.isReady($0) && !PodControl.isAvailable($0, minReadySeconds: minReady) }) {
            return .requeue(after: .seconds(1))
        }
        return .done
    }

    private func adopt(_ pod: JSONValue, by owner: JSONValue) async throws -> JSONValue? {
        var refs = pod.ownerReferences
        refs.append(owner.ownerReference())
        let patch: JSONValue = ["metadata": ["ownerReferences": .array(refs), "uid": .string(pod.uid)]]
        do {
            return try await context.client.patch(.pods, namespace: pod.namespace, name: pod.name, patch, as: .strategicMerge)
        } catch {
            if error.isNotFound || error.isConflict { return nil }
            throw error
        }
    }

    /// Creates `count` pods; returns the first failure (after recording it).
    private func create(_ count: Int, for owner: JSONValue, key: ObjectKey) async -> KubeClientError? {
        let pod = PodControl.pod(from: owner["spec"]["template"], owner: owner, generateName: "\(owner.name)-")
        for _ in 0..<count {
            do {
                let created = try await context.client.create(.pods, namespace: owner.namespace, pod)
                await expectations.created(key, pod: created.name)
                await events.record(owner, reason: "SuccessfulCreate", message: "Created pod: \(created.name)")
            } catch {
                await events.record(owner, type: .warning, reason: "FailedCreate", message: "Error creating: \(error)")
                return error
            }
        }
        return nil
    }

    private func delete(_ victims: [JSONValue], of owner: JSONValue, key: ObjectKey) async throws {
        try await PodControl.delete(victims, of: owner, key: key, client: context.client, expectations: expectations, events: events)
    }

    private func updateStatus(_ owner: JSONValue, active: [JSONValue], failure: KubeClientError?) async throws {
        let minReady = owner["spec"]["minReadySeconds"].intValue ?? 0
        let templateLabels = (owner["spec"]["template"]["metadata"]["labels"].objectValue ?? [:]).compactMapValues(\.stringValue)
        var status = owner["status"]
        if status.objectValue == nil { status = .emptyObject }
        status["replicas"] = .int(Int64(active.count))
        status["fullyLabeledReplicas"] = .int(
            Int64(active.filter { pod in templateLabels.allSatisfy { pod.labels[$0.key] == $0.value } }.count))
        status["readyReplicas"] = .int(Int64(active.filter(PodControl.isReady).count))
        status["availableReplicas"] = .int(Int64(active.filter { PodControl.isAvailable($0, minReadySeconds: minReady) }.count))
        status["observedGeneration"] = .int(owner.generation)
        var conditions = status["conditions"].arrayValue ?? []
        if let failure {
            conditions = Conditions.set(
                conditions, type: "ReplicaFailure", status: true, reason: "FailedCreate", message: failure.description, now: Timestamp.now()
            )
        } else {
            conditions.removeAll { $0["type"].stringValue == "ReplicaFailure" }
        }
        status["conditions"] = conditions.isEmpty ? .null : .array(conditions)
        // The API omits zero counts; compare like for like so a no-op writes nothing.
        for field in ["readyReplicas", "availableReplicas", "fullyLabeledReplicas"] where status[field].intValue == 0 {
            status[field] = .null
        }
        guard status != owner["status"] else { return }
        var updated = owner
        updated["status"] = status
        do {
            _ = try await context.client.update(type, updated, subresource: "status")
        } catch {
            if error.isNotFound { return }
            throw error
        }
    }
}
