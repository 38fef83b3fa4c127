import KubeAPI
import KubeClient

/// Which copies Meridian has applied (cluster, type, key) and what it applied last, so a
/// missing copy is known to have been deleted rather than never made, and an unchanged
/// copy that the member still holds needs no new apply.
actor PropagationLedger {
    private var applied: [String: Int] = [:]

    static func entry(_ cluster: String, _ key: FederatedKey) -> String { "\(cluster)|\(key)" }

    func record(_ cluster: String, _ key: FederatedKey, copy: JSONValue) { applied[Self.entry(cluster, key)] = copy.hashValue }
    func forget(_ cluster: String, _ key: FederatedKey) { applied[Self.entry(cluster, key)] = nil }
    func contains(_ cluster: String, _ key: FederatedKey) -> Bool { applied[Self.entry(cluster, key)] != nil }
    /// Whether `copy` is exactly what was applied last to that cluster.
    func isLastApplied(_ cluster: String, _ key: FederatedKey, copy: JSONValue) -> Bool {
        applied[Self.entry(cluster, key)] == copy.hashValue
    }
}
