import KubeAPI
import KubeClient
import Synchronization

/// The load-balancer ingress of every member's copy of every federated Service, as the
/// member watches last reported it. A member whose API goes away keeps its last report:
/// whether its endpoints still answer is for the prober to say, not the API.
public final class MemberIngress: Sendable {
    private let ingress = Mutex<[String: [ObjectKey: [JSONValue]]]>([:])

    public init() {}

    /// Takes a member watch event of a Service copy; true when the ingress changed.
    @discardableResult
    public func update(cluster: String, _ event: InformerEvent) -> Bool {
        let key = ObjectKey(event.object)
        let entries: [JSONValue]?
        if case .deleted = event {
            entries = nil
        } else {
            entries = event.object["status"]["loadBalancer"]["ingress"].arrayValue ?? []
        }
        return ingress.withLock { all in
            let old = all[cluster]?[key]
            if let entries, !entries.isEmpty { all[cluster, default: [:]][key] = entries } else { all[cluster]?[key] = nil }
            return old != all[cluster]?[key]
        }
    }

    /// What `cluster` last reported for `service`.
    public func entries(cluster: String, service: ObjectKey) -> [JSONValue] {
        ingress.withLock { $0[cluster]?[service] ?? [] }
    }

    /// Forgets a member that left the federation.
    public func forget(cluster: String) {
        _ = ingress.withLock { $0.removeValue(forKey: cluster) }
    }
}
