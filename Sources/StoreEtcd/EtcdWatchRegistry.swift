import Synchronization

/// The watches of one store: new ones wait in `pending` for the store's `run()` to start
/// them, and each running one registers where progress requests reach it.
final class EtcdWatchRegistry: Sendable {
    let pending: AsyncStream<EtcdWatch>
    private let submit: AsyncStream<EtcdWatch>.Continuation
    private let progress = Mutex<[Int: AsyncStream<Void>.Continuation]>([:])
    private let ids = Atomic<Int>(0)

    init() {
        (pending, submit) = AsyncStream.makeStream()
    }

    func nextID() -> Int { ids.wrappingAdd(1, ordering: .relaxed).newValue }

    func start(_ watch: EtcdWatch) -> Bool {
        if case .terminated = submit.yield(watch) { return false }
        return true
    }

    func register(_ id: Int, _ requests: AsyncStream<Void>.Continuation) {
        progress.withLock { $0[id] = requests }
    }

    func unregister(_ id: Int) {
        _ = progress.withLock { $0.removeValue(forKey: id) }
    }

    /// Asks every connected watch for a progress notification.
    func requestProgress() {
        progress.withLock { for requests in $0.values { requests.yield() } }
    }

    func close() { submit.finish() }
}
