import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle

/// kube-controller-manager's EndpointSlice mirroring controller: a Service without a
/// selector whose Endpoints were written by hand gets them mirrored into slices owned by
/// the Endpoints. Endpoints marked `skip-mirror` (those the endpoints controller writes)
/// are not mirrored; mirrored slices go when the Endpoints or the Service go.
struct EndpointSliceMirroring: Reconciler {
    let context: SandboxContext
    let services: Informer
    let endpoints: Informer
    let slices: Informer
    let writer: EndpointSliceWriter

    static func controller(_ context: SandboxContext) -> Controller<EndpointSliceMirroring> {
        let informers = context.informers
        let reconciler = EndpointSliceMirroring(
            context: context, services: informers.informer(for: .services), endpoints: informers.informer(for: .endpoints),
            slices: informers.informer(for: .endpointSlices),
            writer: EndpointSliceWriter(client: context.client, tracker: EndpointSliceTracker()))
        let controller = Controller(
            name: "endpointslicemirroring", reconciler: reconciler,
            informers: [reconciler.services, reconciler.endpoints, reconciler.slices], logger: context.logger)
        let queue = controller.queue
        reconciler.services.addHandler { queue.add(ObjectKey($0.object)) }
        reconciler.endpoints.addHandler { queue.add(ObjectKey($0.object)) }
        reconciler.slices.addHandler { event in
            if let key = EndpointSliceController.ownerKey(event.object, manager: ServiceLabels.mirroringController) { queue.add(key) }
        }
        return controller
    }

    func reconcile(_ key: ObjectKey, logger: Logger) async throws -> ReconcileResult {
        let existing = await EndpointSliceController.managedSlices(slices, key, manager: ServiceLabels.mirroringController)
        if writer.tracker.isStale(key, cached: Set(existing.map(\.name))) { return .requeue(after: .milliseconds(50)) }
        guard let service = await services.get(namespace: key.namespace, name: key.name),
            service["spec"]["selector"].objectValue?.isEmpty ?? true,
            let source = await endpoints.get(namespace: key.namespace, name: key.name), !source.isDeleting,
            source.labels[ServiceLabels.skipMirror] != "true"
        else {
            try await writer.deleteAll(existing, for: key)
            return .done
        }
        let metadata = MirroredSlices.metadata(endpoints: source)
        let plan = SlicePlanner.plan(desired: MirroredSlices.desired(endpoints: source), existing: existing) {
            metadata.differs(from: $0)
        }
        guard !plan.isEmpty else { return .done }
        try await writer.apply(plan, for: key, metadata: metadata)
        logger.debug(
            "endpoints mirrored", metadata: ["meridian.service": "\(key)", "slices": "\(plan.creates.count + plan.updates.count)"])
        return .done
    }
}
