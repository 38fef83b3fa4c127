import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle

/// PodDisruptionBudget status, as kube-controller-manager's disruption controller keeps
/// it: expected and healthy pods, how many may be disrupted now, and the
/// `DisruptionAllowed` condition the eviction API consults.
struct DisruptionController: Reconciler {
    let context: SandboxContext
    let budgets: Informer
    let pods: Informer

    static func services(_ context: SandboxContext) -> [any Service] {
        let reconciler = DisruptionController(
            context: context, budgets: context.informers.informer(for: .podDisruptionBudgets), pods: context.informers.informer(for: .pods))
        let controller = Controller(
            name: "disruption-controller", reconciler: reconciler, informers: [reconciler.budgets, reconciler.pods], workers: 2,
            logger: context.logger)
        let queue = controller.queue
        let index = KeysByNamespace()
        reconciler.budgets.addHandler { event in
            index.track(event)
            queue.add(ObjectKey(event.object))
        }
        reconciler.pods.addHandler { event in
            for key in index.keys(in: event.object.namespace) { queue.add(key) }
        }
        return [controller]
    }

    func reconcile(_ key: ObjectKey, logger: Logger) async throws -> ReconcileResult {
        guard let budget = await budgets.get(namespace: key.namespace, name: key.name), !budget.isDeleting else { return .done }
        let selector = budget.specSelector
        let matching = await pods.list(namespace: key.namespace).filter { pod in
            selector.map { $0.matches(pod.labels) } ?? false && !pod.isDeleting
                && !["Succeeded", "Failed"].contains(pod["status"]["phase"].stringValue ?? "")
        }
        let expected = matching.count
        let healthy = matching.filter { $0.condition("Ready")?["status"].stringValue == "True" }.count
        let desired: Int
        if !budget["spec"]["minAvailable"].isNull {
            desired = RolloutMath.resolve(budget["spec"]["minAvailable"], total: expected, roundUp: true, defaultValue: "0")
        } else if !budget["spec"]["maxUnavailable"].isNull {
            desired = max(
                expected - RolloutMath.resolve(budget["spec"]["maxUnavailable"], total: expected, roundUp: true, defaultValue: "0"), 0)
        } else {
            desired = 0
        }
        let allowed = max(healthy - desired, 0)
        var status = budget["status"]
        if status.objectValue == nil { status = .emptyObject }
        status["expectedPods"] = .int(Int64(expected))
        status["currentHealthy"] = .int(Int64(healthy))
        status["desiredHealthy"] = .int(Int64(desired))
        status["disruptionsAllowed"] = .int(Int64(allowed))
        status["observedGeneration"] = .int(budget.generation)
        status["conditions"] = .array(
            Conditions.set(
                status["conditions"].arrayValue ?? [], type: "DisruptionAllowed", status: allowed > 0,
                reason: allowed > 0 ? "SufficientPods" : "InsufficientPods", message: "", now: Timestamp.now(),
                extra: ["observedGeneration": .int(budget.generation)]))
        guard status != budget["status"] else { return .done }
        var updated = budget
        updated["status"] = status
        _ = try await context.client.update(.podDisruptionBudgets, updated, subresource: "status")
        return .done
    }
}
