import GRPCCore
import Synchronization

/// The deadline of every unary etcd request, kept by one timer per connection instead of
/// one per request.
///
/// grpc-swift 2 enforces `CallOptions.timeout` with a task group per call holding a
/// sleeping timer task beside the call: two child tasks, a dispatch timer armed and
/// cancelled, for a request that takes a millisecond. Here each request runs as one task
/// registered with its deadline, and `run()` wakes every `tick` to cancel those past it
/// (the request then fails with `deadlineExceeded`, a 504). A request is therefore cut off
/// between its deadline and one tick later; the tick is a small fraction of the timeout.
final class EtcdDeadlines: Sendable {
    private struct Pending {
        var deadline: ContinuousClock.Instant
        var cancel: @Sendable () -> Void
    }

    private struct State {
        var nextID: UInt64 = 0
        var pending: [UInt64: Pending] = [:]
        /// Requests cancelled for their deadline whose callers have not returned yet.
        var expired: Set<UInt64> = []
    }

    let timeout: Duration
    let tick: Duration
    private let state = Mutex(State())

    init(timeout: Duration) {
        self.timeout = timeout
        // A tenth of the timeout, within 10 ms...250 ms: a 5 s deadline is kept to 5.25 s.
        tick = min(max(timeout / 10, .milliseconds(10)), .milliseconds(250))
    }

    /// Runs `body` as a task that is cancelled at the deadline (or when the caller is).
    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        let task = Task { try await body() }
        let id = state.withLock { s in
            s.nextID &+= 1
            s.pending[s.nextID] = Pending(deadline: deadline, cancel: { task.cancel() })
            return s.nextID
        }
        do {
            let value = try await withTaskCancellationHandler {
                try await task.value
            } onCancel: {
                task.cancel()
            }
            state.withLock { s in
                if s.pending.removeValue(forKey: id) == nil { s.expired.remove(id) }
            }
            return value
        } catch {
            let expired = state.withLock { s in
                s.pending.removeValue(forKey: id) == nil && s.expired.remove(id) != nil
            }
            if expired { throw RPCError(code: .deadlineExceeded, message: "etcd did not answer within \(timeout)") }
            throw error
        }
    }

    /// Requests waiting now (for tests).
    var pendingCount: Int { state.withLock { $0.pending.count } }

    /// Cancels requests past their deadline every tick, until the task is cancelled.
    func run() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: tick) } catch { return }
            expire(now: .now)
        }
    }

    func expire(now: ContinuousClock.Instant) {
        let overdue = state.withLock { s -> [@Sendable () -> Void] in
            var cancels: [@Sendable () -> Void] = []
            for (id, pending) in s.pending where pending.deadline <= now {
                s.pending[id] = nil
                s.expired.insert(id)
                cancels.append(pending.cancel)
            }
            return cancels
        }
        for cancel in overdue { cancel() }
    }
}
