import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle

/// The service controller of a cloud provider, for the sandbox's loopback "cloud": a
/// Service of type LoadBalancer gets an IP of the sandbox's /24 in its status and a real
/// HTTP listener on every TCP port, open while at least one ready pod backs it.
struct LoadBalancerController: Reconciler {
    static let finalizer = "service.kubernetes.io/load-balancer-cleanup"

    let context: SandboxContext
    let services: Informer
    let pods: Informer
    let endpoints: Informer
    let listeners: LoadBalancerListeners
    let recorder: EventRecorder

    static func controller(_ context: SandboxContext, index: ServiceSelectorIndex, listeners: LoadBalancerListeners)
        -> Controller<LoadBalancerController>
    {
        let informers = context.informers
        let reconciler = LoadBalancerController(
            context: context, services: informers.informer(for: .services), pods: informers.informer(for: .pods),
            endpoints: informers.informer(for: .endpoints), listeners: listeners, recorder: context.recorder("service-controller"))
        let controller = Controller(
            name: "service-lb", reconciler: reconciler, informers: [reconciler.services, reconciler.pods, reconciler.endpoints],
            logger: context.logger)
        let queue = controller.queue
        reconciler.services.addHandler { queue.add(ObjectKey($0.object)) }
        reconciler.pods.addHandler { event in
            for key in index.services(for: event) { queue.add(key) }
        }
        // Services without a selector are backed by whatever their Endpoints say.
        reconciler.endpoints.addHandler { queue.add(ObjectKey($0.object)) }
        return controller
    }

    static func wantsLoadBalancer(_ service: JSONValue) -> Bool {
        service["spec"]["type"].stringValue == "LoadBalancer" && service["spec"]["loadBalancerClass"].isNull
    }

    /// The distinct TCP ports of a Service, in its order.
    static func tcpPorts(_ service: JSONValue) -> [Int] {
        var ports: [Int] = []
        for port in service.servicePorts where (port["protocol"].stringValue ?? "TCP") == "TCP" {
            if let n = port["port"].intValue.map(Int.init), !ports.contains(n) { ports.append(n) }
        }
        return ports
    }

    func reconcile(_ key: ObjectKey, logger: Logger) async throws -> ReconcileResult {
        guard let cached = await services.get(namespace: key.namespace, name: key.name) else {
            await listeners.release(key)
            return .done
        }
        var service = cached
        service["apiVersion"] = "v1"
        service["kind"] = "Service"
        guard Self.wantsLoadBalancer(service), !service.isDeleting else {
            await listeners.release(key)
            try await cleanUp(service)
            return .done
        }
        if !(await listeners.isSeeded) { await listeners.seed(await claims()) }
        let preferred = [service["status"]["loadBalancer"]["ingress"][0]["ip"].stringValue, service["spec"]["loadBalancerIP"].stringValue]
        guard let ip = await listeners.assign(key, preferring: preferred.compactMap { $0 }) else {
            let error = LoadBalancerError.noFreeAddress(prefix: context.configuration.loadBalancerPrefix)
            await recordFailure(service, error)
            throw error
        }
        try await addFinalizer(service)

        let configuration = LoadBalancerListeners.Configuration(ip: ip, ports: Self.tcpPorts(service))
        let changed = await listeners.ensuredConfiguration(of: key) != configuration
        if changed { await recorder.record(service, reason: "EnsuringLoadBalancer", message: "Ensuring load balancer") }
        let pods = await readyBackends(service)
        // Backends go in before a listener opens and out after it closes, so a request
        // accepted on the listener always finds a pod.
        if !pods.isEmpty {
            listeners.backends.setTargets(await forwardTargets(service), for: key)
            listeners.backends.set(pods, for: key)
        }
        do {
            try await listeners.listen(key, ip: ip, ports: pods.isEmpty ? [] : configuration.ports)
        } catch {
            await recordFailure(service, error)
            throw error
        }
        if pods.isEmpty { listeners.backends.set([], for: key) }
        try await setStatus(service, ingress: [["ip": .string(ip), "ipMode": "VIP"]])
        if changed {
            await listeners.markEnsured(key, configuration)
            await recorder.record(service, reason: "EnsuredLoadBalancer", message: "Ensured load balancer")
            logger.info(
                "load balancer ensured", metadata: ["meridian.service": "\(key)", "ip": "\(ip)", "ports": "\(configuration.ports)"])
        }
        return .done
    }

    /// The names of the ready pods behind a Service: those it would list as ready
    /// addresses in its Endpoints (selected, ready, with an IP, not terminating, a port
    /// resolving), or for a Service without a selector, those its Endpoints list as ready
    /// (IPs where no pod is named).
    func readyBackends(_ service: JSONValue) async -> [String] {
        if let selector = service.serviceSelector {
            let selected = PodEndpointRules.selected(await pods.list(namespace: service.namespace), by: selector)
            return selected.filter { pod in
                PodEndpointRules.belongsInEndpoints(pod, includeTerminating: false) && PodEndpointRules.isReady(pod)
                    && (service.servicePorts.isEmpty || !PodEndpointRules.ports(of: service, on: pod).isEmpty)
            }.map(\.name).sorted()
        }
        guard let object = await endpoints.get(namespace: service.namespace, name: service.name) else { return [] }
        let addresses = (object["subsets"].arrayValue ?? []).flatMap { $0["addresses"].arrayValue ?? [] }
        return Set(addresses.compactMap { $0["targetRef"]["name"].stringValue ?? $0["ip"].stringValue }).sorted()
    }

    /// Process pods behind a Service, by service port: where a listener forwards
    /// connections (they really listen on their loopback pod IP).
    func forwardTargets(_ service: JSONValue) async -> [Int: [LoadBalancerBackends.ForwardTarget]] {
        guard let selector = service.serviceSelector else { return [:] }
        let ready = PodEndpointRules.selected(await pods.list(namespace: service.namespace), by: selector).filter {
            PodEndpointRules.belongsInEndpoints($0, includeTerminating: false) && PodEndpointRules.isReady($0)
        }
        var targets: [Int: [LoadBalancerBackends.ForwardTarget]] = [:]
        for pod in ready.sorted(by: { $0.name < $1.name }) {
            guard let ip = pod["status"]["podIP"].stringValue, ip.hasPrefix(context.configuration.processPodPrefix + ".") else { continue }
            for servicePort in service.servicePorts {
                guard let port = servicePort["port"].intValue, let target = PodEndpointRules.resolve(servicePort, in: pod) else { continue }
                targets[Int(port), default: []].append(.init(host: ip, port: Int(target)))
            }
        }
        return targets
    }

    /// The IPs LoadBalancer Services show in their status, oldest Service first.
    private func claims() async -> [(ObjectKey, String)] {
        let all = await services.list().filter(Self.wantsLoadBalancer).sorted {
            ($0["metadata"]["creationTimestamp"].stringValue ?? "", ObjectKey($0)) < (
                $1["metadata"]["creationTimestamp"].stringValue ?? "", ObjectKey($1)
            )
        }
        return all.compactMap { s in s["status"]["loadBalancer"]["ingress"][0]["ip"].stringValue.map { (ObjectKey(s), $0) } }
    }

    /// A Service that no longer wants a load balancer (deleted, or of another type) loses
    /// its status ingress and the finalizer.
    private func cleanUp(_ service: JSONValue) async throws {
        let hadLoadBalancer = service.finalizers.contains(Self.finalizer)
        if hadLoadBalancer { await recorder.record(service, reason: "DeletingLoadBalancer", message: "Deleting load balancer") }
        // Only an ingress this sandbox handed out; another load-balancer class owns its own.
        let prefix = context.configuration.loadBalancerPrefix + "."
        let ingress = service["status"]["loadBalancer"]["ingress"].arrayValue ?? []
        if !service.isDeleting, ingress.contains(where: { $0["ip"].stringValue?.hasPrefix(prefix) == true }) {
            try await setStatus(service, ingress: [])
        }
        guard hadLoadBalancer else { return }
        let rest = service.finalizers.filter { $0 != Self.finalizer }
        try await patchFinalizers(service, rest)
        await recorder.record(service, reason: "DeletedLoadBalancer", message: "Deleted load balancer")
    }

    private func addFinalizer(_ service: JSONValue) async throws {
        guard !service.finalizers.contains(Self.finalizer) else { return }
        try await patchFinalizers(service, service.finalizers + [Self.finalizer])
    }

    /// A merge patch carrying the resourceVersion read, so it conflicts rather than drop a
    /// finalizer someone else added meanwhile.
    private func patchFinalizers(_ service: JSONValue, _ finalizers: [String]) async throws {
        let patch: JSONValue = [
            "metadata": [
                "finalizers": finalizers.isEmpty ? .null : .array(finalizers.map { .string($0) }),
                "resourceVersion": service["metadata"]["resourceVersion"],
            ]
        ]
        _ = try await context.client.patch(.services, namespace: service.namespace, name: service.name, patch, as: .merge)
    }

    private func setStatus(_ service: JSONValue, ingress: [JSONValue]) async throws {
        guard (service["status"]["loadBalancer"]["ingress"].arrayValue ?? []) != ingress else { return }
        let patch: JSONValue = ["status": ["loadBalancer": ["ingress": ingress.isEmpty ? .null : .array(ingress)]]]
        _ = try await context.client.patch(
            .services, namespace: service.namespace, name: service.name, patch, as: .merge, subresource: "status")
    }

    private func recordFailure(_ service: JSONValue, _ error: LoadBalancerError) async {
        await recorder.record(
            service, type: .warning, reason: "SyncLoadBalancerFailed",
            message: "Error syncing load balancer: failed to ensure load balancer: \(error)")
    }
}
