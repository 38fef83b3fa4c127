/// Fans committed events out to watchers. Owned by one store actor (not shared), so
/// publishing happens in commit order. A watcher whose buffer fills is cut off with a
/// final `.failed` message rather than blocking the writer or losing events silently.
public final class WatchHub {
    struct Watcher {
        let prefix: String
        let continuation: AsyncStream<WatchMessage>.Continuation
    }

    private var watchers: [Int: Watcher] = [:]
    private var nextID = 0
    public let bufferLimit: Int

    public init(bufferLimit: Int = 10_000) {
        self.bufferLimit = bufferLimit
    }

    public var count: Int { watchers.count }

    /// Creates a stream that first delivers `backlog` (already filtered) and then live events.
    public func subscribe(prefix: String, backlog: [StoreEvent]) -> AsyncStream<WatchMessage> {
        // One spare slot so the cut-off message always fits.
        let (stream, continuation) = AsyncStream<WatchMessage>.makeStream(
            bufferingPolicy: .bufferingOldest(bufferLimit + backlog.count / 256 + 2))
        if !backlog.isEmpty {
            var start = 0
            while start < backlog.count {
                let end = min(start + 256, backlog.count)
                continuation.yield(.events(Array(backlog[start..<end])))
                start = end
            }
        }
        watchers[nextID] = Watcher(prefix: prefix, continuation: continuation)
        nextID += 1
        return stream
    }

    /// Delivers the events of one commit to every interested watcher.
    public func publish(_ events: [StoreEvent]) {
        guard !watchers.isEmpty else { return }
        var gone: [Int] = []
        for (id, w) in watchers {
            let mine = events.filter { $0.kv.key.hasPrefix(w.prefix) }
            if mine.isEmpty { continue }
            if !w.continuation.deliverOrCutOff(.events(mine)) { gone.append(id) }
        }
        for id in gone { watchers.removeValue(forKey: id) }
    }

    /// Sends a progress notification to every watcher (bookmarks).
    public func progress(_ revision: Revision) {
        var gone: [Int] = []
        for (id, w) in watchers {
            if case .terminated = w.continuation.yield(.progress(revision)) { gone.append(id) }
        }
        for id in gone { watchers.removeValue(forKey: id) }
    }

    public func finishAll(with error: StoreError? = nil) {
        for w in watchers.values {
            if let error { w.continuation.yield(.failed(error)) }
            w.continuation.finish()
        }
        watchers.removeAll()
    }
}

extension AsyncStream<WatchMessage>.Continuation {
    /// Hands a message over; false when the watch is done: its consumer left, or it fell so
    /// far behind that it was cut off with a re-list signal (every store cuts off so).
    public func deliverOrCutOff(_ message: WatchMessage) -> Bool {
        switch yield(message) {
        case .enqueued(let remaining) where remaining <= 1:
            yield(.failed(.unavailable("watcher fell behind; re-list required")))
            finish()
            return false
        case .enqueued: return true
        case .dropped, .terminated: return false
        @unknown default: return false
        }
    }
}
