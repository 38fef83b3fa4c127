import KubeAPI
import KubeClient
import Synchronization

/// Which copies Meridian has applied (cluster, type, key), what it applied last and the
/// resourceVersion the member gave that write, so a missing copy is known to have been
/// deleted rather than never made, an unchanged copy that the member still holds needs no
/// new apply, and the member watch's echo of Meridian's own write is recognised (at 100
/// members a pass per echo was 100 passes per object). Synchronous (a mutex, not an
/// actor) because informer handlers consult it.
final class PropagationLedger: Sendable {
    private struct Entry {
        var copyHash: Int?
        var resourceVersion: String?
        /// Applies on their way to the member: its watch may deliver their result first.
        var inFlight = 0
        /// resourceVersions the member's watch delivered while an apply was in flight.
        var seenInFlight: [String] = []
    }

    private let entries = Mutex<[String: Entry]>([:])

    static func entry(_ cluster: String, _ key: FederatedKey) -> String { "\(cluster)|\(key)" }

    /// An apply to `cluster` is about to go out.
    func beginApply(_ cluster: String, _ key: FederatedKey) {
        entries.withLock { $0[Self.entry(cluster, key), default: Entry()].inFlight += 1 }
    }

    /// The apply came back (`resourceVersion` of its result; nil: it failed). True when the
    /// member's watch meanwhile delivered a version other than this write's, which was
    /// taken for the echo of it and may have been somebody else's change: the caller
    /// looks at the object again.
    @discardableResult
    func endApply(_ cluster: String, _ key: FederatedKey, copy: JSONValue?, resourceVersion: String?) -> Bool {
        let hash = copy?.hashValue
        return entries.withLock { all in
            let name = Self.entry(cluster, key)
            guard var entry = all[name] else { return false }
            entry.inFlight = max(0, entry.inFlight - 1)
            if let hash {
                entry.copyHash = hash
                entry.resourceVersion = resourceVersion
            }
            let others = entry.seenInFlight.contains { $0 != resourceVersion }
            if entry.inFlight == 0 { entry.seenInFlight = [] }
            all[name] = entry.copyHash == nil && entry.inFlight == 0 ? nil : entry
            return others
        }
    }

    func forget(_ cluster: String, _ key: FederatedKey) { _ = entries.withLock { $0.removeValue(forKey: Self.entry(cluster, key)) } }
    func contains(_ cluster: String, _ key: FederatedKey) -> Bool {
        entries.withLock { $0[Self.entry(cluster, key)]?.copyHash != nil }
    }

    /// Whether `copy` is exactly what was applied last to that cluster.
    func isLastApplied(_ cluster: String, _ key: FederatedKey, copy: JSONValue) -> Bool {
        let hash = copy.hashValue
        return entries.withLock { $0[Self.entry(cluster, key)]?.copyHash == hash }
    }

    /// Whether a member's copy at this resourceVersion is (or, while an apply is in flight,
    /// is taken for) Meridian's own last write there, so it needs no propagation pass.
    func isOwnWrite(_ cluster: String, _ key: FederatedKey, resourceVersion: String?) -> Bool {
        guard let resourceVersion else { return false }
        return entries.withLock { all in
            let name = Self.entry(cluster, key)
            guard var entry = all[name] else { return false }
            if entry.inFlight > 0 {
                entry.seenInFlight.append(resourceVersion)
                all[name] = entry
                return true
            }
            return entry.resourceVersion == resourceVersion
        }
    }
}
