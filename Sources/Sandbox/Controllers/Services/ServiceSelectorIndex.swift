import KubeAPI
import KubeClient
import Synchronization

/// The selectors of all Services, kept up to date from the Service informer, so pod
/// events can be mapped to the Services they may affect without awaiting a cache
/// (informer handlers are synchronous).
final class ServiceSelectorIndex: Sendable {
    /// Namespace → Service name → selector.
    private let selectors = Mutex<[String: [String: [String: String]]]>([:])

    /// Feed it every Service event; add it before the controllers' handlers so they see
    /// the index already updated.
    func apply(_ event: InformerEvent) {
        let service = event.object
        selectors.withLock { all in
            if case .deleted = event {
                all[service.namespace]?[service.name] = nil
            } else {
                all[service.namespace, default: [:]][service.name] = service.serviceSelector
            }
        }
    }

    /// Services in `namespace` whose selector picks a pod with `labels`.
    func services(selecting labels: [String: String], namespace: String) -> [ObjectKey] {
        selectors.withLock { all in
            (all[namespace] ?? [:]).compactMap { name, selector in
                selector.allSatisfy { labels[$0.key] == $0.value } ? ObjectKey(namespace: namespace, name: name) : nil
            }
        }
    }

    /// The Services a pod event concerns: those selecting the pod before or after it changed.
    func services(for event: InformerEvent) -> Set<ObjectKey> {
        var keys = Set(services(selecting: event.object.labels, namespace: event.object.namespace))
        if case .updated(let old, _) = event {
            keys.formUnion(services(selecting: old.labels, namespace: old.namespace))
        }
        return keys
    }
}
