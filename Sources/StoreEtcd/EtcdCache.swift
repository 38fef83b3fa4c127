import Logging
import Metrics
import Store
import Synchronization

/// A watch-fed copy of every key of the store (store keys are paths: they start with `/`,
/// which also keeps etcd keys of others such as `compact_rev_key` out when the store's
/// etcd prefix is empty), as kube-apiserver's watch cache
/// keeps one: listed once, then kept up to date by one watch on the store's shared Watch
/// stream.
///
/// It lags behind etcd by the watch's delivery time, and knows nothing of writes another
/// API server made that its watch has not delivered yet, so it only serves what tolerates
/// that (`EtcdStore.cachedGet`): the expected revision of a compare-and-swap (a stale one
/// fails the compare and the caller reads etcd), a namespace check whose create then
/// compares the namespace's revision in the same Txn, and reads with resourceVersion "0".
///
/// A watch that breaks resumes after the last event applied; one whose revision was
/// compacted meanwhile (etcd answers a compaction) lists again. Events at or below the
/// revision the cache holds are skipped, so a resumed watch never moves a key backwards.
final class EtcdCache: Sendable {
    private let state = CurrentState()
    private let control = Mutex(Control())
    private let logger: Logger
    /// The store keys the cache holds.
    static let prefix = "/"
    private let relistCounter = Counter(label: "meridian_etcd_cache_lists_total")
    /// The store's watches, served from this cache's watch.
    let watches: EtcdWatchFanOut

    struct Control {
        var ready = false
        var lists = 0
        /// Set by `resumeWatch(after:)`: where the next watch starts.
        var resumeOverride: Revision?
        /// Set by `holdEvents`: events wait in `held` instead of being applied.
        var holding = false
        var held: [StoreEvent] = []
        /// This store's own writes the watch has not delivered yet (nil: a deletion), so
        /// that a server updating the same object again right away starts from its own
        /// last write rather than from the older copy: read-your-writes for suggestions.
        var ownWrites: [String: (kv: KeyValue?, revision: Revision)] = [:]
    }

    /// What the follower does when its watch ends.
    private enum Next {
        case list
        case resume(after: Revision)
        case stop
    }

    init(logger: Logger, watchBufferLimit: Int) {
        self.logger = logger
        watches = EtcdWatchFanOut(bufferLimit: watchBufferLimit)
    }

    /// Whether the first list has been loaded (before it, the cache knows nothing).
    var isReady: Bool { control.withLock { $0.ready } }

    /// How many times the prefix was listed (1 after start, more after compactions).
    var lists: Int { control.withLock { $0.lists } }

    /// The revision the cache has caught up with.
    var revision: Revision { state.revision }

    /// The key's newest state this store knows: the watched copy, or its own later write.
    func get(_ key: String) -> KeyValue? {
        let caughtUp = state.revision
        if let own = control.withLock({ $0.ownWrites[key] }), own.revision > caughtUp { return own.kv }
        return state.get(key)
    }

    /// The key as the watch delivered it (own writes not counted).
    func watched(_ key: String) -> KeyValue? { state.get(key) }

    /// Records a write this store made (`kv` nil: a deletion at `revision`).
    func noteWrite(_ key: String, _ kv: KeyValue?, revision: Revision) {
        let caughtUp = state.revision
        guard revision > caughtUp else { return }
        control.withLock { c in
            if c.ownWrites.count >= 1024 {
                c.ownWrites = c.ownWrites.filter { $0.value.revision > caughtUp }
                // A watch that stopped following: forget rather than grow (only freshness is lost).
                if c.ownWrites.count >= 1024 { c.ownWrites.removeAll() }
            }
            if (c.ownWrites[key]?.revision ?? 0) < revision { c.ownWrites[key] = (kv, revision) }
        }
    }

    /// Every key under `prefix`, with the revision the cache had reached (read together).
    func range(prefix: String) -> RangeResult { state.range(prefix: prefix, startAfter: nil, limit: 0) }

    /// Drops the current watch at its next message and watches again from `revision`, as
    /// after a broken stream (for tests of gaps and compaction).
    func resumeWatch(after revision: Revision) {
        control.withLock { $0.resumeOverride = revision }
    }

    /// Makes the cache stale on purpose (for tests of stale suggestions): while holding,
    /// watched events are kept aside; releasing applies them.
    func holdEvents(_ hold: Bool) {
        control.withLock { c in
            c.holding = hold
            if !hold {
                apply(c.held)
                c.held = []
            }
        }
    }

    /// Applies events newer than the cache (a resumed watch may repeat older ones) and
    /// passes them on to the store's watches with their previous values, which the cache's
    /// own watch does not ask etcd for: the copy being replaced has them.
    private func apply(_ events: [StoreEvent]) {
        let current = state.revision
        guard let newest = events.last?.revision, newest > current else { return }
        var replaced: [String: KeyValue?] = [:]  // keys this batch already changed
        let complete = events.filter { $0.revision > current }.map { e -> StoreEvent in
            let key = e.kv.key
            let previous: KeyValue?
            if let inBatch = replaced[key] { previous = inBatch } else { previous = state.get(key) }
            switch e.kind {
            case .put:
                replaced[key] = .some(e.kv)
                return StoreEvent(kind: .put, kv: e.kv, previous: e.kv.createRevision == e.kv.modRevision ? nil : previous)
            case .delete:
                replaced[key] = .some(nil)
                // As etcd reports a delete with prevKV: the last value at the deleting revision.
                let kv = KeyValue(
                    key: key, value: previous?.value ?? [], createRevision: previous?.createRevision ?? 0,
                    modRevision: e.kv.modRevision)
                return StoreEvent(kind: .delete, kv: kv, previous: previous)
            }
        }
        state.apply(complete, revision: newest)
        watches.publish(complete)
    }

    /// Lists, then follows the watch, until the task is cancelled or the store closes.
    func run(_ store: EtcdStore) async {
        var next = Next.list
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled {
            switch next {
            case .stop:
                return
            case .list:
                do {
                    let listed = try await store.range(prefix: Self.prefix, startAfter: nil, limit: 0, revision: nil)
                    control.withLock { c in
                        state.load(listed.items, revision: listed.revision)
                        watches.restart(at: listed.revision)
                        c.held = []
                        c.ready = true
                        c.lists += 1
                    }
                    relistCounter.increment()
                    logger.debug("etcd cache listed", metadata: ["meridian.revision": "\(listed.revision)"])
                    next = .resume(after: listed.revision)
                    delay = .milliseconds(100)
                    continue
                } catch {
                    logger.debug("etcd cache list failed; retrying", metadata: ["error": "\(error)"])
                }
            case .resume(let after):
                let started = ContinuousClock.now
                next = await follow(store, after: after)
                if ContinuousClock.now - started > .seconds(5) { delay = .milliseconds(100) }
                if case .resume = next {} else { continue }
            }
            do { try await Task.sleep(for: delay) } catch { return }
            delay = min(delay * 2, .seconds(2))
        }
    }

    private func follow(_ store: EtcdStore, after: Revision) async -> Next {
        let stream: AsyncStream<WatchMessage>
        do {
            stream = try await store.watch(prefix: Self.prefix, after: after, withPrevious: false)
        } catch .compacted {
            return .list
        } catch {
            logger.debug("etcd cache watch failed; retrying", metadata: ["error": "\(error)"])
            return .resume(after: after)
        }
        var last = after
        for await message in stream {
            switch message {
            case .events(let events):
                control.withLock { c in
                    if c.holding { c.held += events } else { apply(events) }
                }
                last = max(last, events.last?.revision ?? last)
            case .progress(let revision):
                control.withLock { c in
                    guard !c.holding && revision >= state.revision else { return }
                    state.apply([], revision: revision)
                    watches.progress(revision)
                }
            case .failed(.compacted):
                return .list
            case .failed(let error):
                logger.debug("etcd cache watch ended; resuming", metadata: ["error": "\(error)"])
                return .resume(after: last)
            }
            if let override = control.withLock({ c -> Revision? in
                defer { c.resumeOverride = nil }
                return c.resumeOverride
            }) {
                return .resume(after: override)
            }
        }
        // Only a closing store finishes a watch without a failure.
        return .stop
    }
}
