import Logging
import ServiceLifecycle
import Store

/// Compacts store history so that watches can restart from any revision of the last
/// `retentionSeconds`, and never from fewer than the last `retentionRevisions`.
struct Compactor: Service {
    let store: any KVStore
    let retentionSeconds: Int
    let retentionRevisions: Int64
    let logger: Logger
    var interval: Duration = .seconds(30)

    func run() async throws {
        try await cancelWhenGracefulShutdown { await loop() }
    }

    private func loop() async {
        var samples: [(at: ContinuousClock.Instant, revision: Revision)] = []
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            guard let current = try? await store.currentRevision() else { continue }
            let now = ContinuousClock.now
            samples.append((now, current))
            let horizon = now - .seconds(retentionSeconds)
            // The newest sample at least `retentionSeconds` old bounds what may go.
            guard let old = samples.last(where: { $0.at <= horizon }) else { continue }
            samples.removeAll { $0.at < old.at }
            let target = min(old.revision, current - retentionRevisions)
            if target > 1 {
                do {
                    try await store.compact(before: target)
                } catch {
                    logger.warning("compaction failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
