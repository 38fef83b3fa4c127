import Synchronization

/// client-go's rate-limited work queue: a key waiting twice is queued once ("dirty"); a
/// key being processed is never handed to a second worker, and if it is added meanwhile
/// it is queued again when the first worker finishes. Delayed adds (retries with
/// per-key exponential backoff, requeue-after) are released by `runTimers()`.
public final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    private struct State {
        var queue: [Key] = []
        var head = 0
        var dirty: Set<Key> = []
        var processing: Set<Key> = []
        var failures: [Key: Int] = [:]
        var waiters: [(id: Int, continuation: CheckedContinuation<Key?, Never>)] = []
        var nextWaiterID = 0
        var shuttingDown = false
        var timerRequests: AsyncStream<(Key, Duration)>.Continuation?
        /// The earliest pending delayed add of each key: one timer per key, as client-go keeps.
        var delayed: [Key: ContinuousClock.Instant] = [:]

        var pending: Int { queue.count - head }

        mutating func popFront() -> Key? {
            guard head < queue.count else { return nil }
            let key = queue[head]
            head += 1
            if head > 1024 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            return key
        }
    }

    private let state = Mutex(State())
    private let timerRequests: AsyncStream<(Key, Duration)>
    public let rateLimiter: ExponentialRateLimiter

    public init(rateLimiter: ExponentialRateLimiter = ExponentialRateLimiter()) {
        self.rateLimiter = rateLimiter
        let (stream, continuation) = AsyncStream<(Key, Duration)>.makeStream()
        timerRequests = stream
        state.withLock { $0.timerRequests = continuation }
    }

    /// Queues `key` unless it is already waiting.
    public func add(_ key: Key) {
        let waiter: CheckedContinuation<Key?, Never>? = state.withLock { s in
            guard !s.shuttingDown, !s.dirty.contains(key) else { return nil }
            s.dirty.insert(key)
            if s.processing.contains(key) { return nil }
            if !s.waiters.isEmpty {
                s.dirty.remove(key)
                s.processing.insert(key)
                return s.waiters.removeFirst().continuation
            }
            s.queue.append(key)
            return nil
        }
        waiter?.resume(returning: key)
    }

    /// Queues `key` after `delay` (released by `runTimers()`). A key already due sooner
    /// keeps its earlier time; a later request does not start a second timer.
    public func add(_ key: Key, after delay: Duration) {
        guard delay > .zero else { return add(key) }
        let due = ContinuousClock.now + delay
        state.withLock { s in
            if let pending = s.delayed[key], pending <= due { return }
            s.delayed[key] = due
            s.timerRequests?.yield((key, delay))
        }
    }

    /// A timer fired: the key goes in if this was its current (earliest) timer.
    private func timerFired(_ key: Key) {
        let current = state.withLock { s -> Bool in
            guard let pending = s.delayed[key], pending <= ContinuousClock.now else { return false }
            s.delayed[key] = nil
            return true
        }
        if current { add(key) }
    }

    /// Retries `key` after its next backoff step.
    public func addRateLimited(_ key: Key) {
        let attempts = state.withLock { s -> Int in
            s.failures[key, default: 0] += 1
            return s.failures[key]!
        }
        add(key, after: rateLimiter.delay(afterFailures: attempts))
    }

    /// Clears `key`'s backoff after a success.
    public func forget(_ key: Key) {
        _ = state.withLock { $0.failures.removeValue(forKey: key) }
    }

    public func failures(of key: Key) -> Int { state.withLock { $0.failures[key] ?? 0 } }

    /// The next key to process, waiting for one; nil once the queue shuts down (or the
    /// waiting task is cancelled). Call `done` when finished with it.
    public func next() async -> Key? {
        if let key = takeReady() { return key }
        let id = state.withLock { s -> Int in
            s.nextWaiterID += 1
            return s.nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Key?, Never>) in
                let immediate: Key?? = state.withLock { s in
                    if s.shuttingDown || Task.isCancelled { return .some(nil) }
                    if let key = s.popFront() {
                        s.dirty.remove(key)
                        s.processing.insert(key)
                        return .some(key)
                    }
                    s.waiters.append((id, continuation))
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Key?, Never>? in
                guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: nil)
        }
    }

    private func takeReady() -> Key? {
        state.withLock { s in
            guard !s.shuttingDown, let key = s.popFront() else { return nil }
            s.dirty.remove(key)
            s.processing.insert(key)
            return key
        }
    }

    /// Marks `key` finished; if it was added while processing, it is queued again.
    public func done(_ key: Key) {
        let waiter: (CheckedContinuation<Key?, Never>, Key)? = state.withLock { s in
            s.processing.remove(key)
            guard s.dirty.contains(key), !s.shuttingDown else { return nil }
            if !s.waiters.isEmpty {
                s.dirty.remove(key)
                s.processing.insert(key)
                return (s.waiters.removeFirst().continuation, key)
            }
            s.queue.append(key)
            return nil
        }
        if let (continuation, key) = waiter { continuation.resume(returning: key) }
    }

    /// Keys waiting (not counting those being processed or delayed).
    public var depth: Int { state.withLock { $0.pending } }

    /// Stops handing out keys; waiting `next()` calls return nil.
    public func shutDown() {
        let waiters = state.withLock { s -> [CheckedContinuation<Key?, Never>] in
            s.shuttingDown = true
            s.timerRequests?.finish()
            s.timerRequests = nil
            defer { s.waiters.removeAll() }
            return s.waiters.map(\.continuation)
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// Releases delayed adds when they are due; runs until the queue shuts down or the
    /// task is cancelled. Each delay is a child task, so nothing outlives this call.
    public func runTimers() async {
        await withDiscardingTaskGroup { group in
            for await (key, delay) in timerRequests {
                group.addTask {
                    guard (try? await Task.sleep(for: delay)) != nil else { return }
                    self.timerFired(key)
                }
            }
            group.cancelAll()
        }
    }
}
