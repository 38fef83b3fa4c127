import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle
import Synchronization

/// The default scheduler: binds pending pods to nodes that pass the filters (readiness,
/// nodeSelector/affinity, taints, resources), preferring the least loaded node and
/// spreading pods of one owner. Unschedulable pods stay Pending with a `PodScheduled:
/// False` condition and a `FailedScheduling` event, and are retried whenever nodes or
/// pods change.
struct Scheduler: Reconciler {
    static let name = "default-scheduler"

    let context: SandboxContext
    let pods: Informer
    let nodes: Informer
    let events: EventRecorder
    /// Pods bound but not yet seen bound by the informer (the "assume cache").
    let assumed = AssumedBindings()

    static func services(_ context: SandboxContext) -> [any Service] {
        let reconciler = Scheduler(
            context: context, pods: context.informers.informer(for: .pods), nodes: context.informers.informer(for: .nodes),
            events: context.recorder(name))
        // One worker: decisions depend on each other's resource accounting.
        let controller = Controller(
            name: "scheduler", reconciler: reconciler, informers: [reconciler.pods, reconciler.nodes], workers: 1, logger: context.logger)
        let queue = controller.queue
        let pending = PendingPods()
        reconciler.pods.addHandler { event in
            let pod = event.object
            let key = ObjectKey(pod)
            if case .deleted = event {
                pending.remove(key)
                pending.forEach(queue.add)  // freed resources
                return
            }
            if Self.needsScheduling(pod) {
                pending.insert(key)
                // The scheduler's own status writes are no reason to try again.
                if case .updated(let old, let new) = event, old["spec"] == new["spec"], old.labels == new.labels { return }
                queue.add(key)
            } else {
                pending.remove(key)
            }
        }
        reconciler.nodes.addHandler { _ in pending.forEach(queue.add) }
        return [controller]
    }

    static func needsScheduling(_ pod: JSONValue) -> Bool {
        (pod["spec"]["nodeName"].stringValue ?? "").isEmpty && !pod.isDeleting
            && (pod["spec"]["schedulerName"].stringValue ?? name) == name
            && !["Succeeded", "Failed"].contains(pod["status"]["phase"].stringValue ?? "")
    }

    func reconcile(_ key: ObjectKey, logger: Logger) async throws -> ReconcileResult {
        guard let pod = await pods.get(namespace: key.namespace, name: key.name), Self.needsScheduling(pod) else { return .done }
        if assumed.contains(key, uid: pod.uid) { return .done }
        let allNodes = await nodes.list().sorted { $0.name < $1.name }
        let placed = await usage()
        let owner = pod.controllerReference?["uid"].stringValue
        var candidates: [(node: JSONValue, score: Double)] = []
        var rejections: [[NodeFit.Rejection]] = []
        for node in allNodes {
            let use = placed[node.name] ?? NodeUsage()
            let fit = NodeFit(used: use.requests, podCount: use.pods)
            let reasons = fit.rejections(pod: pod, node: node)
            if reasons.isEmpty {
                // Spread replicas of one owner first, then pods in general.
                let siblings = owner.map { use.owners[$0] ?? 0 } ?? 0
                candidates.append((node, fit.score(pod: pod, node: node) + Double(siblings) * 0.01 + Double(use.pods) * 0.0001))
            } else {
                rejections.append(reasons)
            }
        }
        guard let best = candidates.min(by: { ($0.score, $0.node.name) < ($1.score, $1.node.name) })?.node else {
            try await markUnschedulable(pod, message: NodeFit.failureMessage(nodeCount: allNodes.count, rejections: rejections))
            return .requeue(after: .seconds(30))
        }
        try await bind(pod, to: best.name)
        return .done
    }

    struct NodeUsage {
        var requests = PodRequests()
        var pods = 0
        var owners: [String: Int] = [:]
    }

    /// What is placed on each node: bound non-terminal pods plus assumed ones.
    func usage() async -> [String: NodeUsage] {
        var usage: [String: NodeUsage] = [:]
        var seen = Set<ObjectKey>()
        var existing: [ObjectKey: String] = [:]
        for pod in await pods.list() {
            existing[ObjectKey(pod)] = pod.uid
            guard let node = pod["spec"]["nodeName"].stringValue, !node.isEmpty,
                !["Succeeded", "Failed"].contains(pod["status"]["phase"].stringValue ?? "")
            else { continue }
            let key = ObjectKey(pod)
            seen.insert(key)
            let r = PodRequests(pod: pod)
            usage[node, default: NodeUsage()].requests.cpuMilli += r.cpuMilli
            usage[node, default: NodeUsage()].requests.memoryMilli += r.memoryMilli
            usage[node, default: NodeUsage()].pods += 1
            if let owner = pod.controllerReference?["uid"].stringValue { usage[node, default: NodeUsage()].owners[owner, default: 0] += 1 }
        }
        // Drop what the informer now shows bound, and pods deleted meanwhile (a pod
        // recreated under the same name, as StatefulSets do, is another pod).
        for entry in assumed.prune(keeping: { key, uid in !seen.contains(key) && existing[key] == uid }) {
            usage[entry.node, default: NodeUsage()].requests.cpuMilli += entry.requests.cpuMilli
            usage[entry.node, default: NodeUsage()].requests.memoryMilli += entry.requests.memoryMilli
            usage[entry.node, default: NodeUsage()].pods += 1
        }
        return usage
    }

    func bind(_ pod: JSONValue, to node: String) async throws {
        let binding: JSONValue = [
            "apiVersion": "v1", "kind": "Binding", "metadata": ["name": .string(pod.name), "namespace": .string(pod.namespace)],
            "target": ["apiVersion": "v1", "kind": "Node", "name": .string(node)],
        ]
        do {
            _ = try await context.client.create(
                ResourceType.pods, namespace: pod.namespace, binding, subresourceOf: pod.name, subresource: "binding")
        } catch {
            // Already bound (someone else did it) or gone: nothing to do.
            if error.isNotFound || error.statusError?.code == 409 { return }
            throw error
        }
        assumed.insert(ObjectKey(pod), uid: pod.uid, node: node, requests: PodRequests(pod: pod))
        await events.record(pod, reason: "Scheduled", message: "Successfully assigned \(pod.namespace)/\(pod.name) to \(node)")
    }

    func markUnschedulable(_ pod: JSONValue, message: String) async throws {
        let existing = pod.condition("PodScheduled")
        if existing?["status"].stringValue != "False" || existing?["message"].stringValue != message {
            let conditions = Conditions.set(
                pod["status"]["conditions"].arrayValue ?? [], type: "PodScheduled", status: false, reason: "Unschedulable",
                message: message, now: Timestamp.now(), extra: ["lastProbeTime": .null])
            do {
                _ = try await context.client.patch(
                    .pods, namespace: pod.namespace, name: pod.name, ["status": ["conditions": .array(conditions)]], as: .merge,
                    subresource: "status")
            } catch {
                if error.isNotFound { return }
                throw error
            }
        }
        await events.record(pod, type: .warning, reason: "FailedScheduling", message: message)
    }
}

/// Keys of pods waiting for a node, so node changes and freed resources can retry them.
final class PendingPods: Sendable {
    private let keys = Mutex<Set<ObjectKey>>([])

    func insert(_ key: ObjectKey) { _ = keys.withLock { $0.insert(key) } }
    func remove(_ key: ObjectKey) { _ = keys.withLock { $0.remove(key) } }
    func forEach(_ body: (ObjectKey) -> Void) {
        for key in keys.withLock({ $0 }) { body(key) }
    }
}

/// Pods the scheduler bound whose binding the informer has not shown yet (kube-scheduler's
/// assume cache), counted against their node meanwhile.
final class AssumedBindings: Sendable {
    private let entries = Mutex<[ObjectKey: (uid: String, node: String, requests: PodRequests)]>([:])

    func contains(_ key: ObjectKey, uid: String) -> Bool { entries.withLock { $0[key]?.uid == uid } }

    func insert(_ key: ObjectKey, uid: String, node: String, requests: PodRequests) {
        entries.withLock { $0[key] = (uid, node, requests) }
    }

    /// Keeps the entries `keep` accepts (by key and pod UID) and returns them.
    func prune(keeping keep: (ObjectKey, String) -> Bool) -> [(node: String, requests: PodRequests)] {
        entries.withLock { entries in
            entries = entries.filter { keep($0.key, $0.value.uid) }
            return entries.values.map { ($0.node, $0.requests) }
        }
    }
}
