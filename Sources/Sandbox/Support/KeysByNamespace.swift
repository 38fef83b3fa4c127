import KubeClient
import Synchronization

/// The keys of one kind of object per namespace, kept from informer events, so a change
/// to a pod can requeue every quota or budget of its namespace from a synchronous handler.
final class KeysByNamespace: Sendable {
    private let keys = Mutex<[String: Set<ObjectKey>]>([:])

    func track(_ event: InformerEvent) {
        let key = ObjectKey(event.object)
        keys.withLock { all in
            if case .deleted = event {
                all[key.namespace]?.remove(key)
            } else {
                all[key.namespace, default: []].insert(key)
            }
        }
    }

    func keys(in namespace: String) -> Set<ObjectKey> { keys.withLock { $0[namespace] ?? [] } }
}
