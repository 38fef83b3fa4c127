import FederationAPI
import KubeAPI
import KubeClient

/// The informers of the four policy kinds, and the policies that apply to an object.
public struct PolicyInformers: Sendable {
    let propagation: Informer
    let clusterPropagation: Informer
    let override: Informer
    let clusterOverride: Informer

    public init(_ shared: SharedInformers) {
        propagation = shared.informer(for: .propagationPolicies)
        clusterPropagation = shared.informer(for: .clusterPropagationPolicies)
        override = shared.informer(for: .overridePolicies)
        clusterOverride = shared.informer(for: .clusterOverridePolicies)
    }

    var all: [Informer] { [propagation, clusterPropagation, override, clusterOverride] }

    /// Policies being deleted no longer apply.
    private static func live(_ objects: [JSONValue]) -> [JSONValue] { objects.filter { $0["metadata"]["deletionTimestamp"].isNull } }

    func propagationPolicies() async -> (namespaced: [PlacementPolicy], cluster: [PlacementPolicy]) {
        (
            Self.live(await propagation.list()).map(PlacementPolicy.init(object:)),
            Self.live(await clusterPropagation.list()).map(PlacementPolicy.init(object:))
        )
    }

    func overridePolicies() async -> (namespaced: [OverridePolicy], cluster: [OverridePolicy]) {
        (
            Self.live(await override.list()).map(OverridePolicy.init(object:)),
            Self.live(await clusterOverride.list()).map(OverridePolicy.init(object:))
        )
    }

    func propagationPolicy(for type: ResourceType, object: JSONValue) async -> PlacementPolicy? {
        let (namespaced, cluster) = await propagationPolicies()
        return PolicyMatching.propagationPolicy(for: type, object: object, namespaced: namespaced, cluster: cluster)
    }

    func overridePolicies(for type: ResourceType, object: JSONValue) async -> [OverridePolicy] {
        let (namespaced, cluster) = await overridePolicies()
        return PolicyMatching.overridePolicies(for: type, object: object, namespaced: namespaced, cluster: cluster)
    }
}

/// The drift last reported per member copy, so a DriftDetected Event is recorded once per
/// distinct drift rather than on every pass.
actor DriftReports {
    private var reported: [String: [String]] = [:]

    /// Whether `paths` is news for this copy (and remembers it).
    func isNew(_ cluster: String, _ key: FederatedKey, _ paths: [String]) -> Bool {
        let entry = "\(cluster)|\(key)"
        if reported[entry] == paths { return false }
        reported[entry] = paths.isEmpty ? nil : paths
        return !paths.isEmpty
    }
}
