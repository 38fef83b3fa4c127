import KubeAPI
import Logging
import ServiceLifecycle

/// Finishes namespace deletion, as kube-controller-manager's namespace controller does:
/// deletes everything in a Terminating namespace, waits for it to be gone, then removes
/// the `kubernetes` finalizer so the namespace itself goes.
struct NamespaceFinalizer: Service {
    let storage: RESTStorage
    let registry: ResourceRegistry
    let logger: Logger
    var interval: Duration = .milliseconds(250)

    func run() async throws {
        try await cancelWhenGracefulShutdown { await loop() }
    }

    private func loop() async {
        while !Task.isCancelled {
            do {
                try await pass()
            } catch {
                logger.warning("namespace finalization pass failed", metadata: ["error": "\(error)"])
            }
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }

    func pass() async throws {
        let namespaces = try await storage.list(
            CoreKinds.namespaces, namespace: nil, labelSelector: LabelSelector(), fieldSelector: FieldSelector(), limit: 0,
            continueToken: nil, resourceVersion: nil)
        for ns in namespaces.items where !ns["metadata"]["deletionTimestamp"].isNull {
            guard (ns["spec"]["finalizers"].arrayValue ?? []).contains("kubernetes"), let name = ns["metadata"]["name"].stringValue else {
                continue
            }
            if try await emptyNamespace(name) { try await removeFinalizer(name) }
        }
    }

    /// Deletes what is left; true once nothing remains.
    func emptyNamespace(_ namespace: String) async throws -> Bool {
        let catalog = registry.catalog()
        var seen = Set<String>()
        var remaining = 0
        for def in catalog.definitions where def.namespaced && def.verbs.contains("delete") {
            guard seen.insert(def.storageResource).inserted else { continue }
            let items = try await storage.list(
                def, namespace: namespace, labelSelector: LabelSelector(), fieldSelector: FieldSelector(), limit: 0,
                continueToken: nil, resourceVersion: nil)
            for item in items.items {
                remaining += 1
                guard item["metadata"]["deletionTimestamp"].isNull, let name = item["metadata"]["name"].stringValue else { continue }
                var options = DeleteOptions()
                options.propagationPolicy = "Background"
                do {
                    let r = try await storage.delete(def, namespace: namespace, name: name, options: options)
                    if r.removed { remaining -= 1 }
                } catch {
                    guard error.code == 404 else { throw error }
                    remaining -= 1
                }
            }
        }
        return remaining == 0
    }

    func removeFinalizer(_ name: String) async throws {
        var options = WriteOptions()
        options.fieldManager = "namespace-controller"
        _ = try await storage.update(CoreKinds.namespaces, namespace: nil, name: name, subresource: "finalize", options: options) {
            current throws(StatusError) in
            var updated = current
            let rest = (current["spec"]["finalizers"].arrayValue ?? []).filter { $0.stringValue != "kubernetes" }
            updated["spec"]["finalizers"] = rest.isEmpty ? .null : .array(rest)
            return updated
        }
        logger.info("namespace finalized", metadata: ["meridian.namespace": "\(name)"])
    }
}
