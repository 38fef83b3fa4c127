import Foundation
import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle
import Synchronization

/// DaemonSets: one pod per node that the template's nodeSelector, node affinity and
/// tolerations admit. Pods are created pinned to their node by required node affinity on
/// `metadata.name` (the default scheduler binds them), as the real controller does.
/// Templates are kept as ControllerRevisions; RollingUpdate replaces outdated pods within
/// `maxUnavailable` (delete, then create) or `maxSurge` (create, then delete), OnDelete only
/// when they are deleted. Status carries the counts `kubectl rollout status` and `kubectl get ds` read.
struct DaemonSetController: Reconciler {
    static let revisionLabel = "controller-revision-hash"
    static let generationLabel = "pod-template-generation"

    let context: SandboxContext
    let sets: Informer
    let pods: Informer
    let nodes: Informer
    let history: ControllerHistory
    let events: EventRecorder
    /// Creations and deletions not visible yet, keyed by `<namespace>/<set>/<node>`.
    let expectations = PodExpectations()

    static func services(_ context: SandboxContext) -> [any Service] {
        let informers = context.informers
        let reconciler = DaemonSetController(
            context: context, sets: informers.informer(for: .daemonSets), pods: informers.informer(for: .pods),
            nodes: informers.informer(for: .nodes),
            history: ControllerHistory(client: context.client, revisions: informers.informer(for: .controllerRevisions)),
            events: context.recorder("daemonset-controller"))
        let controller = Controller(
            name: "daemonset-controller", reconciler: reconciler,
            informers: [reconciler.sets, reconciler.pods, reconciler.nodes, reconciler.history.revisions], workers: 2,
            logger: context.logger)
        let queue = controller.queue
        let known = KnownDaemonSets()
        reconciler.sets.addHandler { event in
            let key = ObjectKey(event.object)
            if case .deleted = event { known.remove(key) } else { known.insert(key) }
            queue.add(key)
        }
        reconciler.pods.addHandler { event in
            if let ref = event.object.controllerReference, ref["kind"].stringValue == "DaemonSet" {
                queue.add(ObjectKey(namespace: event.object.namespace, name: ref["name"].stringValue ?? ""))
            }
        }
        // A node's labels, taints or readiness decide which sets run there.
        reconciler.nodes.addHandler { event in
            if case .updated(let old, let new) = event, old["metadata"]["labels"] == new["metadata"]["labels"],
                old["spec"] == new["spec"], old.condition("Ready")?["status"] == new.condition("Ready")?["status"]
            {
                return  // heartbeats
            }
            known.forEach(queue.add)
        }
        return [controller]
    }

    func reconcile(_ key: ObjectKey, logger: Logger) async throws -> ReconcileResult {
        guard let set = await sets.get(namespace: key.namespace, name: key.name) else { return .done }
        guard !set.isDeleting, let selector = set.specSelector, !selector.requirements.isEmpty else { return .done }
        var existing = try await history.owned(by: set, selector: selector)
        guard let update = try await history.revision(for: set, type: .daemonSets, existing: existing) else {
            return .requeue(after: .milliseconds(100))
        }
        existing.removeAll { $0.name == update.name }
        existing.append(update)
        let hash = ControllerHistory.hash(update)

        let allNodes = await nodes.list().sorted { $0.name < $1.name }
        var byNode: [String: [JSONValue]] = [:]
        let owned = try await ControllerRefs.claim(
            await pods.claimable(by: set.uid, namespace: key.namespace), type: .pods, owner: set, selector: selector, client: context.client
        )
        for pod in owned {
            guard let node = Self.targetNode(pod) else { continue }
            byNode[node, default: []].append(pod)
        }
        var placements: [Placement] = []
        for node in allNodes {
            let nodeKey = ObjectKey(namespace: set.namespace, name: "\(set.name)/\(node.name)")
            let visible = byNode[node.name] ?? []
            let (creating, deleting) = await expectations.outstanding(nodeKey, visible: Set(visible.map(\.name)))
            let fit = Self.fit(set, node: node)
            placements.append(
                Placement(
                    node: node.name, key: nodeKey, shouldRun: fit.shouldRun, shouldContinue: fit.shouldContinue,
                    pods: Self.byAge(visible.filter { !deleting.contains($0.name) && !$0.isDeleting }), creating: creating))
        }
        try await updateStatus(set, placements: placements, hash: hash)
        try await manage(set, placements: placements, hash: hash)
        if (set["spec"]["updateStrategy"]["type"].stringValue ?? "RollingUpdate") == "RollingUpdate" {
            try await rollingUpdate(set, placements: placements, hash: hash)
        }
        let podHashes = Set(placements.flatMap(\.pods).compactMap { $0.labels[Self.revisionLabel] })
        let live = Set(existing.filter { podHashes.contains(ControllerHistory.hash($0)) }.map(\.name) + [update.name])
        try await history.truncate(existing, live: live, limit: Int(set["spec"]["revisionHistoryLimit"].intValue ?? 10))
        let minReady = set["spec"]["minReadySeconds"].intValue ?? 0
        let waiting = placements.flatMap(\.pods).contains {
            PodControl.isReady($0) && !PodControl.isAvailable($0, minReadySeconds: minReady)
        }
        return waiting ? .requeue(after: .seconds(1)) : .done
    }

    /// One node as this pass sees it.
    struct Placement {
        var node: String
        var key: ObjectKey
        var shouldRun: Bool
        var shouldContinue: Bool
        /// The set's pods on the node, oldest first (not counting those being deleted).
        var pods: [JSONValue]
        /// Pods created for the node that the informer has not shown yet.
        var creating: Int
    }

    /// Creates missing pods, replaces failed ones, removes duplicates and pods on nodes
    /// that no longer admit them.
    func manage(_ set: JSONValue, placements: [Placement], hash: String) async throws {
        for p in placements {
            if p.shouldRun {
                let failed = p.pods.filter { $0["status"]["phase"].stringValue == "Failed" }
                for pod in failed {
                    await events.record(
                        set, type: .warning, reason: "FailedDaemonPod",
                        message: "Found failed daemon pod \(pod.namespace)/\(pod.name) on node \(p.node), will try to kill it")
                    try await delete(pod, of: set, key: p.key)
                }
                let running = p.pods.filter { $0["status"]["phase"].stringValue != "Failed" }
                if running.isEmpty, p.creating == 0 {
                    try await create(set, node: p.node, hash: hash, key: p.key)
                } else if running.count > 1 {
                    let keep = Self.podsToKeep(running, hash: hash, surge: Self.surge(set, desired: placements) > 0)
                    for pod in running where !keep.contains(pod.uid) { try await delete(pod, of: set, key: p.key) }
                }
            } else if !p.shouldContinue {
                for pod in p.pods { try await delete(pod, of: set, key: p.key) }
            }
        }
    }
}

/// The DaemonSets seen so far, so a node change can requeue them all.
final class KnownDaemonSets: Sendable {
    private let keys = Mutex<Set<ObjectKey>>([])

    func insert(_ key: ObjectKey) { _ = keys.withLock { $0.insert(key) } }
    func remove(_ key: ObjectKey) { _ = keys.withLock { $0.remove(key) } }
    func forEach(_ body: (ObjectKey) -> Void) {
        for key in keys.withLock({ $0 }) { body(key) }
    }
}
