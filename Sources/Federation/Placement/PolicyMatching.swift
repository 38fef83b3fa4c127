import FederationAPI
import KubeAPI
import KubeClient

/// Which policies apply to a federated object. One propagation policy wins: a namespaced
/// PropagationPolicy of the object's namespace beats every ClusterPropagationPolicy; among
/// equals the highest priority wins, ties go to the oldest (then the first by name).
/// Override policies all apply: cluster-wide ones first, then the namespace's, each group
/// by name.
public enum PolicyMatching {
    public static func selects(_ selectors: [ResourceSelector], type: ResourceType, object: JSONValue) -> Bool {
        selectors.contains { $0.matches(apiVersion: type.apiVersion, kind: type.kind, object: object) }
    }

    public static func propagationPolicy(
        for type: ResourceType, object: JSONValue, namespaced: [PlacementPolicy], cluster: [PlacementPolicy]
    ) -> PlacementPolicy? {
        let namespace = object["metadata"]["namespace"].stringValue
        let own = namespaced.filter { $0.namespace != nil && $0.namespace == namespace }
        for group in [own, cluster] {
            let matching = group.filter { selects($0.resourceSelectors, type: type, object: object) }
            if let best = matching.min(by: precedes) { return best }
        }
        return nil
    }

    /// Whether `a` wins over `b`.
    static func precedes(_ a: PlacementPolicy, _ b: PlacementPolicy) -> Bool {
        if a.priority != b.priority { return a.priority > b.priority }
        if a.creationTimestamp != b.creationTimestamp { return a.creationTimestamp < b.creationTimestamp }
        return a.name < b.name
    }

    public static func overridePolicies(
        for type: ResourceType, object: JSONValue, namespaced: [OverridePolicy], cluster: [OverridePolicy]
    ) -> [OverridePolicy] {
        let namespace = object["metadata"]["namespace"].stringValue
        let own = namespaced.filter { $0.namespace != nil && $0.namespace == namespace }
        return [cluster, own].flatMap { group in
            group.filter { selects($0.resourceSelectors, type: type, object: object) }.sorted { $0.name < $1.name }
        }
    }
}
