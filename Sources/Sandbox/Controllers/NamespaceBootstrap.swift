import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle

/// What kube-controller-manager puts in every namespace: the `default` ServiceAccount
/// and the `kube-root-ca.crt` ConfigMap holding the cluster CA. Both come back if deleted
/// and the ConfigMap is put back if edited.
struct NamespaceBootstrap: Reconciler {
    static let rootCAName = "kube-root-ca.crt"

    let context: SandboxContext
    let namespaces: Informer
    let serviceAccounts: Informer
    let configMaps: Informer

    static func services(_ context: SandboxContext) -> [any Service] {
        let informers = context.informers
        let reconciler = NamespaceBootstrap(
            context: context, namespaces: informers.informer(for: .namespaces), serviceAccounts: informers.informer(for: .serviceAccounts),
            configMaps: informers.informer(for: .configMaps))
        let controller = Controller(
            name: "namespace-bootstrap", reconciler: reconciler,
            informers: [reconciler.namespaces, reconciler.serviceAccounts, reconciler.configMaps], logger: context.logger)
        let queue = controller.queue
        reconciler.namespaces.addHandler { queue.add($0.object.name) }
        reconciler.serviceAccounts.addHandler { event in
            if event.object.name == "default" { queue.add(event.object.namespace) }
        }
        reconciler.configMaps.addHandler { event in
            if event.object.name == rootCAName { queue.add(event.object.namespace) }
        }
        return [controller]
    }

    func reconcile(_ namespace: String, logger: Logger) async throws -> ReconcileResult {
        guard let ns = await namespaces.get(name: namespace), !ns.isDeleting else { return .done }
        if await serviceAccounts.get(namespace: namespace, name: "default") == nil {
            let account: JSONValue = [
                "apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "default", "namespace": .string(namespace)],
            ]
            try await createIgnoringExisting(.serviceAccounts, namespace: namespace, account)
        }
        let ca = context.configuration.caCertificatePEM
        let data: JSONValue = ["ca.crt": .string(ca)]
        if let existing = await configMaps.get(namespace: namespace, name: Self.rootCAName) {
            if existing["data"] != data {
                var fixed = existing
                fixed["data"] = data
                _ = try await context.client.update(.configMaps, fixed)
            }
        } else {
            let map: JSONValue = [
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": [
                    "name": .string(Self.rootCAName), "namespace": .string(namespace),
                    "annotations": ["kubernetes.io/description": .string(Self.description)],
                ],
                "data": data,
            ]
            try await createIgnoringExisting(.configMaps, namespace: namespace, map)
        }
        return .done
    }

    static let description =
        "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."

    private func createIgnoringExisting(_ type: ResourceType, namespace: String, _ object: JSONValue) async throws {
        do {
            _ = try await context.client.create(type, namespace: namespace, object)
        } catch {
            // Terminating namespaces refuse new objects; that is fine.
            if error.isAlreadyExists || error.statusError?.reason == .forbidden { return }
            throw error
        }
    }
}
