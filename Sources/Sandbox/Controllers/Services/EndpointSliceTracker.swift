import KubeClient
import Synchronization

/// Remembers the slices a controller created or deleted until its informer shows the
/// change. Slices are created with generateName, so acting on a cache that has not yet
/// seen a create would create a duplicate (client-go's `EndpointSliceTracker`).
final class EndpointSliceTracker: Sendable {
    private struct Pending {
        var created: [String: ContinuousClock.Instant] = [:]
        var deleted: [String: ContinuousClock.Instant] = [:]
    }

    /// After this long a change the cache never showed is forgotten (someone else
    /// deleted the slice first, say).
    let patience: Duration
    private let pending = Mutex<[ObjectKey: Pending]>([:])

    init(patience: Duration = .seconds(10)) { self.patience = patience }

    func created(_ name: String, for key: ObjectKey) {
        pending.withLock { $0[key, default: Pending()].created[name] = .now }
    }

    func deleted(_ name: String, for key: ObjectKey) {
        pending.withLock { $0[key, default: Pending()].deleted[name] = .now }
    }

    /// Whether the cache, holding slices `cached` for `key`, still lags behind our
    /// writes; forgets the writes it already shows.
    func isStale(_ key: ObjectKey, cached: Set<String>) -> Bool {
        pending.withLock { all in
            guard var entry = all[key] else { return false }
            let cutoff = ContinuousClock.now - patience
            entry.created = entry.created.filter { !cached.contains($0.key) && $0.value > cutoff }
            entry.deleted = entry.deleted.filter { cached.contains($0.key) && $0.value > cutoff }
            let stale = !entry.created.isEmpty || !entry.deleted.isEmpty
            all[key] = stale ? entry : nil
            return stale
        }
    }
}
