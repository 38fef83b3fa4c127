import Logging

/// What a reconcile pass asks of its queue.
public enum ReconcileResult: Sendable, Equatable {
    /// Converged; forget the key's backoff.
    case done
    /// Look again after a while (a timed condition, not a failure).
    case requeue(after: Duration)
}

/// A level-based reconciler: given a key it re-reads the state it needs and moves the
/// world one step towards the desired state. Retries belong to the queue: a thrown error
/// requeues the key with backoff.
public protocol Reconciler: Sendable {
    associatedtype Key: Hashable & Sendable
    func reconcile(_ key: Key, logger: Logger) async throws -> ReconcileResult
}
