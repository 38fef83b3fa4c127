import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle

/// Keeps each ResourceQuota's `status.hard` and `status.used` current, as
/// kube-controller-manager does (admission enforces the limits; this reports them).
struct ResourceQuotaController: Reconciler {
    let context: SandboxContext
    let quotas: Informer
    /// Kinds counted from informers; other `count/…` resources are listed on each pass.
    let counted: [String: Informer]
    let pods: Informer
    let discovery: Discovery

    static func services(_ context: SandboxContext) -> [any Service] {
        let informers = context.informers
        let counted: [String: Informer] = [
            "services": informers.informer(for: .services), "configmaps": informers.informer(for: .configMaps),
            "secrets": informers.informer(for: .secrets), "persistentvolumeclaims": informers.informer(for: .persistentVolumeClaims),
            "replicationcontrollers": informers.informer(for: .replicationControllers),
            "resourcequotas": informers.informer(for: .resourceQuotas),
        ]
        let reconciler = ResourceQuotaController(
            context: context, quotas: informers.informer(for: .resourceQuotas), counted: counted, pods: informers.informer(for: .pods),
            discovery: Discovery(client: context.client))
        let controller = Controller(
            name: "resourcequota-controller", reconciler: reconciler,
            informers: [reconciler.quotas, reconciler.pods] + Array(counted.values),
            workers: 2, logger: context.logger)
        let queue = controller.queue
        let index = KeysByNamespace()
        reconciler.quotas.addHandler { event in
            index.track(event)
            queue.add(ObjectKey(event.object))
        }
        for informer in [reconciler.pods] + Array(counted.values) where informer !== reconciler.quotas {
            informer.addHandler { event in
                for key in index.keys(in: event.object.namespace) { queue.add(key) }
            }
        }
        return [controller]
    }

    func reconcile(_ key: ObjectKey, logger: Logger) async throws -> ReconcileResult {
        guard let quota = await quotas.get(namespace: key.namespace, name: key.name), !quota.isDeleting else { return .done }
        let hard = quota["spec"]["hard"].objectValue ?? [:]
        var used: [String: JSONValue] = [:]
        var listsLive = false
        let pods = await self.pods.list(namespace: key.namespace).filter {
            !["Succeeded", "Failed"].contains($0["status"]["phase"].stringValue ?? "")
        }
        for name in hard.keys {
            if let value = try await usage(of: name, namespace: key.namespace, pods: pods, listsLive: &listsLive) {
                used[name] = .string(value)
            }
        }
        var status = quota["status"]
        status["hard"] = quota["spec"]["hard"]
        status["used"] = .object(used)
        if status != quota["status"] {
            var updated = quota
            updated["status"] = status
            _ = try await context.client.update(.resourceQuotas, updated, subresource: "status")
        }
        // Counts of kinds without an informer are only seen by looking again.
        return listsLive ? .requeue(after: .seconds(10)) : .done
    }

    private func usage(of name: String, namespace: String, pods: [JSONValue], listsLive: inout Bool) async throws -> String? {
        if name == "pods" || name == "count/pods" { return String(pods.count) }
        if let informer = counted[name] ?? counted[name.replacingOccurrences(of: "count/", with: "")] {
            return String(await informer.list(namespace: namespace).count)
        }
        let compute = [
            "requests.cpu": ("requests", "cpu"), "cpu": ("requests", "cpu"), "limits.cpu": ("limits", "cpu"),
            "requests.memory": ("requests", "memory"), "memory": ("requests", "memory"), "limits.memory": ("limits", "memory"),
        ]
        if let (kind, resource) = compute[name] {
            let total = pods.reduce(Int64(0)) { sum, pod in
                sum
                    + (pod["spec"]["containers"].arrayValue ?? []).reduce(Int64(0)) {
                        $0 + (Quantity.milli($1["resources"][kind][resource]) ?? 0)
                    }
            }
            return resource == "memory" ? Quantity.formatBytes(milli: total) : Quantity.format(milli: total)
        }
        if name == "services.loadbalancers" || name == "services.nodeports" {
            let services = await counted["services"]!.list(namespace: namespace)
            if name == "services.loadbalancers" { return String(services.filter { $0["spec"]["type"] == "LoadBalancer" }.count) }
            return String(
                services.filter { ["LoadBalancer", "NodePort"].contains($0["spec"]["type"].stringValue ?? "") }
                    .reduce(0) { $0 + ($1["spec"]["ports"].arrayValue ?? []).count })
        }
        if name.hasPrefix("count/"), let type = try await discovery.resource(named: String(name.dropFirst(6))) {
            listsLive = true
            return String(try await context.client.listAll(type, namespace: namespace).items.count)
        }
        return nil
    }
}
