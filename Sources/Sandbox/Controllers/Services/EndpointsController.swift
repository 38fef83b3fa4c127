import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle

/// kube-controller-manager's endpoints controller: every Service with a selector gets an
/// Endpoints object of its name listing the selected pods. Endpoints of Services without
/// a selector belong to their users and are left alone; those this controller wrote
/// (marked `endpointslice.kubernetes.io/skip-mirror`) go when their Service goes.
struct EndpointsController: Reconciler {
    let context: SandboxContext
    let services: Informer
    let pods: Informer
    let endpoints: Informer

    static func controller(_ context: SandboxContext, index: ServiceSelectorIndex) -> Controller<EndpointsController> {
        let informers = context.informers
        let reconciler = EndpointsController(
            context: context, services: informers.informer(for: .services), pods: informers.informer(for: .pods),
            endpoints: informers.informer(for: .endpoints))
        let controller = Controller(
            name: "endpoints", reconciler: reconciler, informers: [reconciler.services, reconciler.pods, reconciler.endpoints],
            logger: context.logger)
        let queue = controller.queue
        reconciler.services.addHandler { queue.add(ObjectKey($0.object)) }
        reconciler.pods.addHandler { event in
            for key in index.services(for: event) { queue.add(key) }
        }
        reconciler.endpoints.addHandler { event in
            // Our own writes and leftovers from before a restart; a user's Endpoints of a
            // selector Service are put back too.
            queue.add(ObjectKey(event.object))
        }
        return controller
    }

    func reconcile(_ key: ObjectKey, logger: Logger) async throws -> ReconcileResult {
        let current = await endpoints.get(namespace: key.namespace, name: key.name)
        guard let service = await services.get(namespace: key.namespace, name: key.name) else {
            if let current, current.labels[ServiceLabels.skipMirror] == "true" {
                try await context.client.deleteIfExists(.endpoints, namespace: key.namespace, name: key.name)
            }
            return .done
        }
        guard let selector = service.serviceSelector else { return .done }
        let selected = PodEndpointRules.selected(await pods.list(namespace: key.namespace), by: selector)
        let subsets = EndpointsBuilder.subsets(service: service, pods: selected)
        let labels = EndpointsBuilder.labels(service: service)
        if let current, (current["subsets"].arrayValue ?? []) == subsets, current.labels == labels { return .done }

        var object =
            current ?? [
                "apiVersion": "v1", "kind": "Endpoints", "metadata": ["name": .string(key.name), "namespace": .string(key.namespace)],
            ]
        object["subsets"] = subsets.isEmpty ? .null : .array(subsets)
        object["metadata"]["labels"] = .object(labels.mapValues { .string($0) })
        if let time = PodEndpointRules.lastChangeTime(service: service, pods: selected) {
            object["metadata"]["annotations"][ServiceLabels.lastChangeTriggerTime] = .string(time)
        }
        // A stale cache makes the update conflict or the create collide; the queue retries.
        if current == nil {
            _ = try await context.client.create(.endpoints, namespace: key.namespace, object)
        } else {
            _ = try await context.client.update(.endpoints, object)
        }
        logger.debug("endpoints written", metadata: ["meridian.service": "\(key)", "subsets": "\(subsets.count)"])
        return .done
    }
}
