import ServiceLifecycle
import Store

/// Asks the store for progress notifications at a steady pace; watches that allow
/// bookmarks turn them into BOOKMARK events so clients can resume from a recent revision.
struct BookmarkTicker: Service {
    let store: any KVStore
    var interval: Duration = .seconds(5)

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                await store.notifyProgress()
            }
        }
    }
}
