import KubeAPI
import KubeClient

/// Which copies Meridian has applied (cluster, type, key), so a missing copy is known to
/// have been deleted rather than never made.
actor PropagationLedger {
    private var applied: Set<String> = []

    static func entry(_ cluster: String, _ key: FederatedKey) -> String { "\(cluster)|\(key)" }

    func record(_ cluster: String, _ key: FederatedKey) { applied.insert(Self.entry(cluster, key)) }
    func forget(_ cluster: String, _ key: FederatedKey) { applied.remove(Self.entry(cluster, key)) }
    func contains(_ cluster: String, _ key: FederatedKey) -> Bool { applied.contains(Self.entry(cluster, key)) }
}
