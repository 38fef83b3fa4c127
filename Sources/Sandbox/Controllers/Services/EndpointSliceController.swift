import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle

/// kube-controller-manager's EndpointSlice controller: the slices of every Service with
/// a selector, named `<service>-<random>`, owned by the Service. Slices it manages whose
/// Service is gone (or lost its selector) are deleted.
struct EndpointSliceController: Reconciler {
    let context: SandboxContext
    let services: Informer
    let pods: Informer
    let nodes: Informer
    let slices: Informer
    let writer: EndpointSliceWriter

    static func controller(_ context: SandboxContext, index: ServiceSelectorIndex) -> Controller<EndpointSliceController> {
        let informers = context.informers
        let reconciler = EndpointSliceController(
            context: context, services: informers.informer(for: .services), pods: informers.informer(for: .pods),
            nodes: informers.informer(for: .nodes), slices: informers.informer(for: .endpointSlices),
            writer: EndpointSliceWriter(client: context.client, tracker: EndpointSliceTracker()))
        let controller = Controller(
            name: "endpointslice", reconciler: reconciler,
            informers: [reconciler.services, reconciler.pods, reconciler.nodes, reconciler.slices], logger: context.logger)
        let queue = controller.queue
        reconciler.services.addHandler { queue.add(ObjectKey($0.object)) }
        reconciler.pods.addHandler { event in
            for key in index.services(for: event) { queue.add(key) }
        }
        reconciler.slices.addHandler { event in
            if let key = ownerKey(event.object, manager: ServiceLabels.sliceController) { queue.add(key) }
        }
        return controller
    }

    /// The Service a managed slice belongs to, from its labels.
    static func ownerKey(_ slice: JSONValue, manager: String) -> ObjectKey? {
        let labels = slice.labels
        guard labels[ServiceLabels.managedBy] == manager, let service = labels[ServiceLabels.serviceName] else { return nil }
        return ObjectKey(namespace: slice.namespace, name: service)
    }

    /// The cached slices `manager` made for the Service `key`.
    static func managedSlices(_ slices: Informer, _ key: ObjectKey, manager: String) async -> [JSONValue] {
        await slices.list(namespace: key.namespace).filter { slice in
            let labels = slice.labels
            return labels[ServiceLabels.serviceName] == key.name && labels[ServiceLabels.managedBy] == manager
        }
    }

    func reconcile(_ key: ObjectKey, logger: Logger) async throws -> ReconcileResult {
        let existing = await Self.managedSlices(slices, key, manager: ServiceLabels.sliceController)
        if writer.tracker.isStale(key, cached: Set(existing.map(\.name))) { return .requeue(after: .milliseconds(50)) }
        guard let service = await services.get(namespace: key.namespace, name: key.name), let selector = service.serviceSelector
        else {
            try await writer.deleteAll(existing, for: key)
            return .done
        }
        let selected = PodEndpointRules.selected(await pods.list(namespace: key.namespace), by: selector)
        var zones: [String: String] = [:]
        for node in Set(selected.compactMap { $0["spec"]["nodeName"].stringValue }) {
            zones[node] = await nodes.get(name: node)?.labels["topology.kubernetes.io/zone"]
        }
        let desired = EndpointSliceBuilder.desired(service: service, pods: selected, zones: zones)
        var owner = service.ownerReference()
        owner["apiVersion"] = "v1"
        owner["kind"] = "Service"
        var metadata = SliceMetadata(
            namespace: key.namespace, generateName: "\(key.name)-", labels: EndpointSliceBuilder.labels(service: service),
            annotations: [:], owner: owner)
        if let time = PodEndpointRules.lastChangeTime(service: service, pods: selected) {
            metadata.annotations[ServiceLabels.lastChangeTriggerTime] = time
        }
        let plan = SlicePlanner.plan(desired: desired, existing: existing) { metadata.differs(from: $0) }
        guard !plan.isEmpty else { return .done }
        try await writer.apply(plan, for: key, metadata: metadata)
        logger.debug(
            "endpoint slices written",
            metadata: [
                "meridian.service": "\(key)", "created": "\(plan.creates.count)", "updated": "\(plan.updates.count)",
                "deleted": "\(plan.deletes.count)",
            ])
        return .done
    }
}
