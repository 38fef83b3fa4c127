import Foundation
import KubeAPI
import KubeClient
import Reconcile

/// Creating and choosing pods for workload controllers.
enum PodControl {
    /// A pod from a controller's template, owned by `owner`, named `<prefix>-<random>`.
    static func pod(from template: JSONValue, owner: JSONValue, generateName: String) -> JSONValue {
        var metadata = template["metadata"]
        if metadata.objectValue == nil { metadata = .emptyObject }
        metadata["name"] = nil
        metadata["generateName"] = .string(generateName)
        metadata["namespace"] = .string(owner.namespace)
        metadata["ownerReferences"] = [owner.ownerReference()]
        metadata["creationTimestamp"] = nil
        return ["apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": template["spec"]]
    }

    /// Deletes surplus pods of a controller (only the pod that was looked at: UID
    /// precondition), noting each for the controller's expectations and in an event.
    static func delete(
        _ victims: [JSONValue], of owner: JSONValue, key: ObjectKey, client: KubeClient, expectations: PodExpectations,
        events: EventRecorder
    ) async throws {
        for pod in victims {
            do {
                try await client.delete(.pods, namespace: pod.namespace, name: pod.name, options: DeleteOptions(preconditionUID: pod.uid))
            } catch {
                if !(error.isNotFound || error.isConflict) { throw error }
            }
            await expectations.deleted(key, pod: pod.name)
            await events.record(owner, reason: "SuccessfulDelete", message: "Deleted pod: \(pod.name)")
        }
    }

    static func isActive(_ pod: JSONValue) -> Bool {
        !pod.isDeleting && !["Succeeded", "Failed"].contains(pod["status"]["phase"].stringValue ?? "")
    }

    static func isReady(_ pod: JSONValue) -> Bool {
        pod.condition("Ready")?["status"].stringValue == "True"
    }

    /// Ready for at least `minReadySeconds`.
    static func isAvailable(_ pod: JSONValue, minReadySeconds: Int64, now: Date = Date()) -> Bool {
        guard let ready = pod.condition("Ready"), ready["status"].stringValue == "True" else { return false }
        guard minReadySeconds > 0 else { return true }
        guard let since = ready["lastTransitionTime"].stringValue.flatMap(Timestamp.parse) else { return false }
        return now.timeIntervalSince(since) >= Double(minReadySeconds)
    }

    /// Pods ordered from the first to delete to the last, as Kubernetes ranks them:
    /// unscheduled before scheduled, pending before running, not ready before ready,
    /// more restarts first, newer first.
    static func deletionOrder(_ pods: [JSONValue]) -> [JSONValue] {
        func rank(_ p: JSONValue) -> (Int, Int, Int, Int64, String) {
            let scheduled = (p["spec"]["nodeName"].stringValue ?? "").isEmpty ? 0 : 1
            let phase: Int
            switch p["status"]["phase"].stringValue ?? "Pending" {
            case "Pending": phase = 0
            case "Running": phase = 2
            default: phase = 1
            }
            let ready = isReady(p) ? 1 : 0
            let restarts = (p["status"]["containerStatuses"].arrayValue ?? []).reduce(Int64(0)) { $0 + ($1["restartCount"].intValue ?? 0) }
            return (scheduled, phase, ready, -restarts, p["metadata"]["creationTimestamp"].stringValue ?? "")
        }
        return pods.sorted { a, b in
            let ra = rank(a)
            let rb = rank(b)
            if (ra.0, ra.1, ra.2, ra.3) != (rb.0, rb.1, rb.2, rb.3) { return (ra.0, ra.1, ra.2, ra.3) < (rb.0, rb.1, rb.2, rb.3) }
            return ra.4 > rb.4  // newer first
        }
    }
}

/// Creations and deletions a controller made that its informer has not shown yet
/// (client-go's "expectations"), so a quick second pass does not create or delete twice.
actor PodExpectations {
    private struct Pending {
        var created: [String: ContinuousClock.Instant] = [:]
        var deleted: [String: ContinuousClock.Instant] = [:]
    }
    private var owners: [ObjectKey: Pending] = [:]
    /// After this long an unobserved change is assumed lost.
    let timeout: Duration = .seconds(30)

    func created(_ owner: ObjectKey, pod name: String) { owners[owner, default: Pending()].created[name] = .now }
    func deleted(_ owner: ObjectKey, pod name: String) { owners[owner, default: Pending()].deleted[name] = .now }

    /// Reconciles the expectations with what the informer shows; returns how many pods
    /// were created but are not visible yet, and the names deleted but still visible.
    func outstanding(_ owner: ObjectKey, visible: Set<String>) -> (creations: Int, deletions: Set<String>) {
        guard var pending = owners[owner] else { return (0, []) }
        let now = ContinuousClock.now
        pending.created = pending.created.filter { !visible.contains($0.key) && now - $0.value < timeout }
        pending.deleted = pending.deleted.filter { visible.contains($0.key) && now - $0.value < timeout }
        owners[owner] = pending.created.isEmpty && pending.deleted.isEmpty ? nil : pending
        return (pending.created.count, Set(pending.deleted.keys))
    }

    /// Like `outstanding`, but the names of the pods created and not visible yet (for
    /// controllers that care which pods are coming, not only how many).
    func pendingCreations(_ owner: ObjectKey, visible: Set<String>) -> Set<String> {
        _ = outstanding(owner, visible: visible)
        return Set(owners[owner]?.created.keys.map { $0 } ?? [])
    }

    func forget(_ owner: ObjectKey) { owners[owner] = nil }
}
