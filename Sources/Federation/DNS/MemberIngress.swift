import FederationAPI
import KubeAPI
import KubeClient
import Synchronization

/// The load-balancer ingress of every member's copy of every federated Service (and
/// Ingress), as the member watches last reported it. A member whose API goes away keeps
/// its last report: whether its endpoints still answer is for the prober to say, not the
/// API. What the watches have not reported since start (a member Offline when the control
/// plane started, or a replica that does not watch members) comes from the federated
/// object's `federation.meridian.dev/member-ingress` annotation, which status aggregation
/// keeps (`persisted(_:)`).
public final class MemberIngress: Sendable {
    /// A federated object carrying ingress: its resource and key.
    public struct Key: Hashable, Sendable {
        public var resource: String
        public var object: ObjectKey

        public init(_ type: ResourceType, _ object: ObjectKey) {
            resource = type.resource
            self.object = object
        }
    }

    /// The kinds whose member copies have `status.loadBalancer.ingress`.
    public static let types: [ResourceType] = [.services, .ingresses]

    private let ingress = Mutex<[String: [Key: [JSONValue]]]>([:])

    public init() {}

    /// Takes a member watch event of a copy; true when the ingress changed.
    @discardableResult
    public func update(cluster: String, type: ResourceType, _ event: InformerEvent) -> Bool {
        guard Self.types.contains(type) else { return false }
        let key = Key(type, ObjectKey(event.object))
        // A deleted copy has no ingress: known to be empty, not unknown.
        let entries: [JSONValue] =
            if case .deleted = event { [] } else { event.object["status"]["loadBalancer"]["ingress"].arrayValue ?? [] }
        return ingress.withLock { all in
            let old = all[cluster]?[key]
            all[cluster, default: [:]][key] = entries
            return old != entries
        }
    }

    /// What `cluster` last reported for the object; nil when it reported nothing since start.
    public func entries(cluster: String, _ key: Key) -> [JSONValue]? {
        ingress.withLock { $0[cluster]?[key] }
    }

    /// Forgets a member that left the federation.
    public func forget(cluster: String) {
        _ = ingress.withLock { $0.removeValue(forKey: cluster) }
    }

    // MARK: the persisted form

    /// Annotation on a federated Service or Ingress: each member's ingress (JSON object
    /// cluster → ingress list), written by status aggregation.
    public static let annotation = "federation.meridian.dev/member-ingress"

    /// The member ingress persisted on a federated object.
    public static func persisted(_ object: JSONValue) -> [String: [JSONValue]] {
        guard let text = object["metadata"]["annotations"][annotation].stringValue, let json = try? JSONParser.parse(text),
            let clusters = json.objectValue
        else { return [:] }
        return clusters.compactMapValues(\.arrayValue)
    }

    /// The annotation's next value: the ingress of every copy read now, and the previous
    /// value of the members that could not be read (`unreachable`: the last word of a
    /// member the control plane cannot reach stands, as the live view does). nil when no
    /// member has ingress.
    public static func merged(previous: [String: [JSONValue]], copies: [String: JSONValue], unreachable: Set<String>) -> String? {
        var all: [String: JSONValue] = [:]
        for (cluster, entries) in previous where unreachable.contains(cluster) && copies[cluster] == nil && !entries.isEmpty {
            all[cluster] = .array(entries)
        }
        for (cluster, copy) in copies {
            if let entries = copy["status"]["loadBalancer"]["ingress"].arrayValue, !entries.isEmpty { all[cluster] = .array(entries) }
        }
        return all.isEmpty ? nil : JSONValue.object(all).serializedString()
    }
}
