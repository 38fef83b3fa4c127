import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle

/// The sandbox has no volume provisioner and no PersistentVolumes: a claim is reported
/// Bound with the capacity it asked for as soon as it exists (its storage is a directory
/// of the sandbox's data dir, made when a pod mounts it), as a cluster with a default
/// dynamic provisioner would show it.
struct ClaimBinder: Reconciler {
    let context: SandboxContext
    let claims: Informer

    static func services(_ context: SandboxContext) -> [any Service] {
        let reconciler = ClaimBinder(context: context, claims: context.informers.informer(for: .persistentVolumeClaims))
        let controller = Controller(name: "claim-binder", reconciler: reconciler, informers: [reconciler.claims], logger: context.logger)
        let queue = controller.queue
        reconciler.claims.addHandler { queue.add(ObjectKey($0.object)) }
        return [controller]
    }

    func reconcile(_ key: ObjectKey, logger: Logger) async throws -> ReconcileResult {
        guard let claim = await claims.get(namespace: key.namespace, name: key.name), !claim.isDeleting,
            claim["status"]["phase"].stringValue != "Bound"
        else { return .done }
        do {
            try await Self.bind(claim, client: context.client)
        } catch {
            if !error.isNotFound { throw error }
        }
        return .done
    }

    static func bind(_ claim: JSONValue, client: KubeClient) async throws(KubeClientError) {
        var status: JSONValue = ["phase": "Bound", "accessModes": claim["spec"]["accessModes"]]
        let storage = claim["spec"]["resources"]["requests"]["storage"]
        if !storage.isNull { status["capacity"] = ["storage": storage] }
        _ = try await client.patch(
            .persistentVolumeClaims, namespace: claim.namespace, name: claim.name, ["status": status], as: .merge, subresource: "status")
    }
}
