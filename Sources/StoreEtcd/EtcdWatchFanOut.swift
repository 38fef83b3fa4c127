import Store
import Synchronization

/// Store watches served from `EtcdCache`'s one watch of every key, as kube-apiserver's watch
/// cache serves its watches: one etcd watch for the whole store instead of one per API
/// watch, each sending every event with its previous value (100 API watches of one object
/// made etcd send each update 100 times).
///
/// The cache hands over every event it applies, with the previous value taken from its own
/// copy, and progress notifications of its watch. A bounded history of recent events lets a
/// watch start in the recent past; one starting before it (or before the cache has listed)
/// is not served here and goes to etcd. When the cache has to list again (its watch was
/// compacted), events were missed: every watch here ends with `.compacted`, so clients
/// re-list, as a compacted etcd watch would make them.
///
/// All of it happens under one lock, so a watch's replay and its live events cannot
/// interleave with another batch: each watch sees events once and in order.
final class EtcdWatchFanOut: Sendable {
    private struct Subscriber {
        let prefix: String
        /// The revision of the last event handed over (the start revision before any).
        var after: Revision
        let output: AsyncStream<WatchMessage>.Continuation
    }

    private struct State {
        var subscribers: [Int: Subscriber] = [:]
        var nextID = 0
        /// Recent events, oldest first, and the bytes of the values they hold.
        var history: [StoreEvent] = []
        var historyBytes = 0
        /// Every event after this revision is in `history`; nil until the cache has listed.
        var floor: Revision?
        var closed = false
    }

    private let state = Mutex(State())
    /// Watches whose consumers left, collected outside `state`: an AsyncStream calls its
    /// termination handler synchronously from `finish()`, which runs under `state`.
    private let departed = Mutex<[Int]>([])
    private let historyLimit: Int
    /// Old values are held only by the history, so it is bounded in bytes too.
    private let historyByteLimit: Int
    private let bufferLimit: Int

    init(historyLimit: Int = 4096, historyByteLimit: Int = 64 << 20, bufferLimit: Int) {
        self.historyLimit = historyLimit
        self.historyByteLimit = historyByteLimit
        self.bufferLimit = bufferLimit
    }

    private static func bytes(_ e: StoreEvent) -> Int { e.kv.value.count + (e.previous?.value.count ?? 0) }

    /// A watch of `prefix` from the revision after `after`, or nil when the history does not
    /// reach back that far (the caller then asks etcd).
    func watch(prefix: String, after: Revision) -> AsyncStream<WatchMessage>? {
        let (stream, output) = AsyncStream<WatchMessage>.makeStream(bufferingPolicy: .bufferingOldest(bufferLimit + 2))
        let served = state.withLock { s -> Bool in
            guard !s.closed, let floor = s.floor, after >= floor else { return false }
            let id = s.nextID
            s.nextID += 1
            var subscriber = Subscriber(prefix: prefix, after: after, output: output)
            let replay = s.history.filter { $0.revision > after && $0.kv.key.hasPrefix(prefix) }
            if let last = replay.last {
                guard output.deliverOrCutOff(.events(replay)) else { return true }
                subscriber.after = last.revision
            }
            s.subscribers[id] = subscriber
            output.onTermination = { [weak self] _ in self?.departed.withLock { $0.append(id) } }
            return true
        }
        return served ? stream : nil
    }

    /// Events the cache applied, in order, each with its previous value.
    func publish(_ events: [StoreEvent]) {
        guard !events.isEmpty else { return }
        state.withLock { s in
            forgetDeparted(&s)
            s.history += events
            s.historyBytes += events.reduce(0) { $0 + Self.bytes($1) }
            if s.history.count > historyLimit + historyLimit / 4 || s.historyBytes > historyByteLimit {
                // Trimmed in steps of a quarter, so the array is not shifted for every event.
                var dropped = max(s.history.count - historyLimit, 0)
                var bytes = s.history[..<dropped].reduce(0) { $0 + Self.bytes($1) }
                while dropped < s.history.count && s.historyBytes - bytes > historyByteLimit * 3 / 4 {
                    bytes += Self.bytes(s.history[dropped])
                    dropped += 1
                }
                if dropped > 0 {
                    s.floor = s.history[dropped - 1].revision
                    s.history.removeFirst(dropped)
                    s.historyBytes -= bytes
                }
            }
            for (id, var subscriber) in s.subscribers {
                let batch = events.filter { $0.revision > subscriber.after && $0.kv.key.hasPrefix(subscriber.prefix) }
                guard let last = batch.last else { continue }
                guard subscriber.output.deliverOrCutOff(.events(batch)) else {
                    s.subscribers[id] = nil
                    continue
                }
                subscriber.after = last.revision
                s.subscribers[id] = subscriber
            }
        }
    }

    /// The cache's watch reported that etcd reached `revision` (every event up to it has been
    /// published): a bookmark for every watch that is not ahead of it.
    func progress(_ revision: Revision) {
        state.withLock { s in
            forgetDeparted(&s)
            for (id, subscriber) in s.subscribers where revision >= subscriber.after {
                if !subscriber.output.deliverOrCutOff(.progress(revision)) { s.subscribers[id] = nil }
            }
        }
    }

    /// The cache listed again at `revision`: events before it may have been missed, so every
    /// watch here ends (its client re-lists) and the history starts over.
    func restart(at revision: Revision) {
        state.withLock { s in
            for subscriber in s.subscribers.values {
                subscriber.output.yield(.failed(.compacted(requested: subscriber.after, compacted: revision)))
                subscriber.output.finish()
            }
            s.subscribers = [:]
            s.history = []
            s.historyBytes = 0
            s.floor = revision
        }
    }

    func close() {
        state.withLock { s in
            s.closed = true
            for subscriber in s.subscribers.values { subscriber.output.finish() }
            s.subscribers = [:]
            s.history = []
            s.historyBytes = 0
        }
    }

    /// How many watches are served here (for tests and metrics).
    var count: Int {
        state.withLock { s in
            forgetDeparted(&s)
            return s.subscribers.count
        }
    }

    private func forgetDeparted(_ s: inout State) {
        let ids = departed.withLock { ids in
            defer { ids = [] }
            return ids
        }
        for id in ids { s.subscribers[id] = nil }
    }
}
