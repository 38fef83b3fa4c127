import Foundation
import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle

/// Deployments: one ReplicaSet per template (`<name>-<pod-template-hash>`), rolling
/// updates within maxSurge/maxUnavailable or Recreate, revisions on the ReplicaSets (so
/// `kubectl rollout undo/history` work), history trimmed to revisionHistoryLimit, and
/// status with the Available and Progressing conditions `kubectl rollout status` reads.
struct DeploymentController: Reconciler {
    let context: SandboxContext
    let deployments: Informer
    let replicaSets: Informer
    let pods: Informer
    let events: EventRecorder

    static func services(_ context: SandboxContext) -> [any Service] {
        let informers = context.informers
        let reconciler = DeploymentController(
            context: context, deployments: informers.informer(for: .deployments), replicaSets: informers.informer(for: .replicaSets),
            pods: informers.informer(for: .pods), events: context.recorder("deployment-controller"))
        let controller = Controller(
            name: "deployment-controller", reconciler: reconciler,
            informers: [reconciler.deployments, reconciler.replicaSets, reconciler.pods], workers: 4, logger: context.logger)
        let queue = controller.queue
        reconciler.deployments.addHandler { queue.add(ObjectKey($0.object)) }
        reconciler.replicaSets.addHandler { event in
            if let ref = event.object.controllerReference, ref["kind"].stringValue == "Deployment" {
                queue.add(ObjectKey(namespace: event.object.namespace, name: ref["name"].stringValue ?? ""))
            }
        }
        // Recreate waits for old pods to be gone.
        reconciler.pods.addHandler { event in
            guard case .deleted(let pod) = event, let ref = pod.controllerReference, ref["kind"].stringValue == "ReplicaSet",
                let rsName = ref["name"].stringValue, let dash = rsName.lastIndex(of: "-")
            else { return }
            queue.add(ObjectKey(namespace: pod.namespace, name: String(rsName[..<dash])))
        }
        return [controller]
    }

    func reconcile(_ key: ObjectKey, logger: Logger) async throws -> ReconcileResult {
        guard let deployment = await deployments.get(namespace: key.namespace, name: key.name) else { return .done }
        guard let selector = deployment.specSelector, !selector.requirements.isEmpty else { return .done }
        var owned: [JSONValue] = []
        for rs in await replicaSets.claimable(by: deployment.uid, namespace: key.namespace) {
            if rs.isControlled(by: deployment) {
                owned.append(rs)
            } else if rs.controllerReference == nil, !rs.isDeleting, !deployment.isDeleting, selector.matches(rs.labels) {
                if let adopted = try await adopt(rs, by: deployment) { owned.append(adopted) }
            }
        }
        if deployment.isDeleting {
            try await updateStatus(deployment, all: owned, new: nil)
            return .done
        }
        let template = deployment["spec"]["template"]
        var new = owned.first { RolloutMath.templateWithoutHash($0["spec"]["template"]) == template }
        let old = owned.filter { $0.uid != new?.uid }.sorted { RolloutMath.revision($0) < RolloutMath.revision($1) }
        let paused = deployment["spec"]["paused"].boolValue == true
        if paused {
            try await updateStatus(deployment, all: owned, new: new)
            return .done
        }
        let maxOldRevision = old.map(RolloutMath.revision).max() ?? 0
        if let existing = new {
            new = try await syncRevision(
                existing, deployment: deployment, revision: max(RolloutMath.revision(existing), maxOldRevision + 1))
        } else {
            let outcome = try await createReplicaSet(for: deployment, revision: maxOldRevision + 1, old: old)
            guard let created = outcome else { return .requeue(after: .milliseconds(100)) }
            new = created
        }
        guard let newRS = new else { return .done }
        // The Deployment carries its current revision too (`kubectl rollout undo` relies on it).
        let revision = String(RolloutMath.revision(newRS))
        if deployment.annotations[RolloutMath.revisionAnnotation] != revision {
            _ = try await context.client.patch(
                .deployments, namespace: deployment.namespace, name: deployment.name,
                ["metadata": ["annotations": [RolloutMath.revisionAnnotation: .string(revision)]]], as: .merge)
        }
        let all = [newRS] + old
        let recreate = deployment["spec"]["strategy"]["type"].stringValue == "Recreate"
        let changed =
            recreate
            ? try await rolloutRecreate(deployment, new: newRS, old: old)
            : try await rolloutRolling(deployment, new: newRS, old: old, all: all)
        let complete = isComplete(deployment, new: newRS, all: all)
        if !changed, complete { try await cleanUpHistory(deployment, old: old) }
        try await updateStatus(deployment, all: all, new: newRS)
        // A stuck rollout gets no events; look again so the progress deadline can expire.
        return complete ? .done : .requeue(after: .seconds(15))
    }

    // MARK: strategies

    /// Returns true when it scaled something (the next pass continues).
    private func rolloutRolling(_ d: JSONValue, new: JSONValue, old: [JSONValue], all: [JSONValue]) async throws -> Bool {
        let replicas = Int(d["spec"]["replicas"].intValue ?? 1)
        let newReplicas = RolloutMath.specReplicas(new)
        if newReplicas > replicas {
            try await scale(new, to: replicas, deployment: d)
            return true
        }
        if newReplicas < replicas {
            let target = RolloutMath.newReplicaSetReplicas(deployment: d, all: all, new: new)
            if target != newReplicas {
                try await scale(new, to: target, deployment: d)
                return true
            }
        }
        let active = old.filter { RolloutMath.specReplicas($0) > 0 }
        guard !active.isEmpty else { return false }
        let allPods = all.reduce(0) { $0 + RolloutMath.specReplicas($1) }
        let minAvailable = replicas - RolloutMath.surgeAndUnavailable(d).unavailable
        let newUnavailable = max(RolloutMath.specReplicas(new) - RolloutMath.availableReplicas(new), 0)
        var budget = allPods - minAvailable - newUnavailable
        guard budget > 0 else { return false }
        var scaled = false
        var remaining = active
        // First old replicas that are not available anyway.
        for i in remaining.indices where budget > 0 {
            let rs = remaining[i]
            let unhealthy = RolloutMath.specReplicas(rs) - RolloutMath.availableReplicas(rs)
            guard unhealthy > 0 else { continue }
            let cut = min(unhealthy, budget)
            remaining[i] = try await scale(rs, to: RolloutMath.specReplicas(rs) - cut, deployment: d)
            budget -= cut
            scaled = true
        }
        // Then available ones, oldest first, keeping minAvailable.
        let available = all.reduce(0) { $0 + RolloutMath.availableReplicas($1) }
        var downBudget = min(available - minAvailable, budget)
        for rs in remaining where downBudget > 0 {
            let current = RolloutMath.specReplicas(rs)
            guard current > 0 else { continue }
            let cut = min(current, downBudget)
            try await scale(rs, to: current - cut, deployment: d)
            downBudget -= cut
            scaled = true
        }
        return scaled
    }

    private func rolloutRecreate(_ d: JSONValue, new: JSONValue, old: [JSONValue]) async throws -> Bool {
        var scaled = false
        for rs in old where RolloutMath.specReplicas(rs) > 0 {
            try await scale(rs, to: 0, deployment: d)
            scaled = true
        }
        if scaled { return true }
        for rs in old {
            let running = await pods.controlled(by: rs.uid).contains { pod in
                !["Succeeded", "Failed"].contains(pod["status"]["phase"].stringValue ?? "")
            }
            if running { return false }
        }
        let replicas = Int(d["spec"]["replicas"].intValue ?? 1)
        if RolloutMath.specReplicas(new) != replicas {
            try await scale(new, to: replicas, deployment: d)
            return true
        }
        return false
    }

    // MARK: ReplicaSets

    private func createReplicaSet(for d: JSONValue, revision: Int64, old: [JSONValue]) async throws -> JSONValue? {
        let collisions = d["status"]["collisionCount"].intValue ?? 0
        let template = d["spec"]["template"]
        let hash = RolloutMath.templateHash(template, collisionCount: collisions)
        var rsTemplate = template
        rsTemplate["metadata"]["labels"][RolloutMath.hashLabel] = .string(hash)
        var selector = d["spec"]["selector"]
        selector["matchLabels"][RolloutMath.hashLabel] = .string(hash)
        var labels = template["metadata"]["labels"]
        labels[RolloutMath.hashLabel] = .string(hash)
        let replicas = Int(d["spec"]["replicas"].intValue ?? 1)
        let recreate = d["spec"]["strategy"]["type"].stringValue == "Recreate"
        let hasOldPods = old.contains { RolloutMath.specReplicas($0) > 0 }
        var annotations = Self.copiedAnnotations(d)
        annotations[RolloutMath.revisionAnnotation] = .string(String(revision))
        annotations[RolloutMath.desiredReplicasAnnotation] = .string(String(replicas))
        annotations[RolloutMath.maxReplicasAnnotation] = .string(
            String(replicas + (recreate ? 0 : RolloutMath.surgeAndUnavailable(d).surge)))
        var rs: JSONValue = [
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": [
                "name": .string("\(d.name)-\(hash)"), "namespace": .string(d.namespace), "labels": labels,
                "annotations": .object(annotations), "ownerReferences": [d.ownerReference()],
            ],
            "spec": ["replicas": 0, "minReadySeconds": d["spec"]["minReadySeconds"], "selector": selector, "template": rsTemplate],
        ]
        var initial = 0
        if !(recreate && hasOldPods) {
            initial = recreate ? replicas : RolloutMath.newReplicaSetReplicas(deployment: d, all: old + [rs], new: rs)
        }
        rs["spec"]["replicas"] = .int(Int64(initial))
        do {
            let created = try await context.client.create(.replicaSets, namespace: d.namespace, rs)
            await events.record(
                d, reason: "ScalingReplicaSet", message: "Scaled up replica set \(created.name) to \(initial) from 0")
            return created
        } catch {
            guard error.isAlreadyExists else { throw error }
            let existing = try await context.client.get(.replicaSets, namespace: d.namespace, name: "\(d.name)-\(hash)")
            if existing.isControlled(by: d), RolloutMath.templateWithoutHash(existing["spec"]["template"]) == template { return existing }
            // A different template has this hash: count the collision, which changes the hash.
            var updated = d
            updated["status"]["collisionCount"] = .int(collisions + 1)
            _ = try await context.client.update(.deployments, updated, subresource: "status")
            return nil
        }
    }

    /// Annotations a Deployment passes to its ReplicaSets (change-cause and the user's own).
    static func copiedAnnotations(_ d: JSONValue) -> [String: JSONValue] {
        (d["metadata"]["annotations"].objectValue ?? [:]).filter { key, _ in
            key != "kubectl.kubernetes.io/last-applied-configuration" && !key.hasPrefix("deployment.kubernetes.io/")
        }
    }

    private func syncRevision(_ rs: JSONValue, deployment d: JSONValue, revision: Int64) async throws -> JSONValue {
        var annotations = rs["metadata"]["annotations"].objectValue ?? [:]
        for (k, v) in Self.copiedAnnotations(d) { annotations[k] = v }
        annotations[RolloutMath.revisionAnnotation] = .string(String(revision))
        guard JSONValue.object(annotations) != rs["metadata"]["annotations"] else { return rs }
        var updated = rs
        updated["metadata"]["annotations"] = .object(annotations)
        return try await context.client.update(.replicaSets, updated)
    }

    @discardableResult
    private func scale(_ rs: JSONValue, to replicas: Int, deployment d: JSONValue) async throws -> JSONValue {
        let from = RolloutMath.specReplicas(rs)
        var updated = rs
        updated["spec"]["replicas"] = .int(Int64(replicas))
        let surge = d["spec"]["strategy"]["type"].stringValue == "Recreate" ? 0 : RolloutMath.surgeAndUnavailable(d).surge
        let desired = Int(d["spec"]["replicas"].intValue ?? 1)
        updated["metadata"]["annotations"][RolloutMath.desiredReplicasAnnotation] = .string(String(desired))
        updated["metadata"]["annotations"][RolloutMath.maxReplicasAnnotation] = .string(String(desired + surge))
        let result = try await context.client.update(.replicaSets, updated)
        let direction = replicas > from ? "up" : "down"
        await events.record(
            d, reason: "ScalingReplicaSet", message: "Scaled \(direction) replica set \(rs.name) to \(replicas) from \(from)")
        return result
    }

    private func adopt(_ rs: JSONValue, by d: JSONValue) async throws -> JSONValue? {
        var refs = rs.ownerReferences
        refs.append(d.ownerReference())
        do {
            return try await context.client.patch(
                .replicaSets, namespace: rs.namespace, name: rs.name,
                ["metadata": ["ownerReferences": .array(refs), "uid": .string(rs.uid)]],
                as: .strategicMerge)
        } catch {
            if error.isNotFound || error.isConflict { return nil }
            throw error
        }
    }

    private func cleanUpHistory(_ d: JSONValue, old: [JSONValue]) async throws {
        let limit = Int(d["spec"]["revisionHistoryLimit"].intValue ?? 10)
        let idle = old.filter { RolloutMath.specReplicas($0) == 0 && ($0["status"]["replicas"].intValue ?? 0) == 0 && !$0.isDeleting }
        guard idle.count > limit else { return }
        for rs in idle.prefix(idle.count - limit) {
            try await context.client.deleteIfExists(
                .replicaSets, namespace: rs.namespace, name: rs.name, options: DeleteOptions(preconditionUID: rs.uid))
        }
    }

    // MARK: status

    func isComplete(_ d: JSONValue, new: JSONValue, all: [JSONValue]) -> Bool {
        let replicas = Int64(d["spec"]["replicas"].intValue ?? 1)
        let total = all.reduce(Int64(0)) { $0 + ($1["status"]["replicas"].intValue ?? 0) }
        return (new["status"]["replicas"].intValue ?? 0) == replicas && (new["status"]["availableReplicas"].intValue ?? 0) == replicas
            && total == replicas
    }
}
