import Synchronization

/// Whether this replica currently leads: set by whoever runs the leader's work, read by
/// work every replica runs but only the leader may finish (Events, cleanup).
public final class Leadership: Sendable {
    private let leading: Mutex<Bool>

    public init(leading: Bool = false) {
        self.leading = Mutex(leading)
    }

    public var isLeader: Bool { leading.withLock { $0 } }

    public func set(_ value: Bool) { leading.withLock { $0 = value } }

    /// Runs `body` as the leader: leading while it runs, not after.
    public func lead<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        set(true)
        defer { set(false) }
        return try await body()
    }
}
