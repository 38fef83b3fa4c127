import Synchronization

/// Where the current snapshot lives for the query path: one reference swapped whole,
/// read under a lock held only for the copy of that reference.
public final class ZoneSnapshotBox: Sendable {
    private let current: Mutex<ZoneSnapshot>

    public init(_ snapshot: ZoneSnapshot) { current = Mutex(snapshot) }

    public var snapshot: ZoneSnapshot { current.withLock { $0 } }

    func replace(with snapshot: ZoneSnapshot) { current.withLock { $0 = snapshot } }
}
