import Logging
import Store

/// The embedded store: one SQLite row per revision (kine's layout) in WAL mode with
/// `synchronous=FULL`, so a write is on disk before it is acknowledged.
///
/// Layout: `log(rev, key, create_rev, prev_rev, deleted, value)`. The newest row of a key
/// is its current state; a deletion is a tombstone row. Compaction removes rows that are
/// superseded before the compaction revision.
public actor SQLiteStore: KVStore {
    private let db: SQLiteConnection
    private let hub: WatchHub
    private var revision: Revision
    private var compactRevision: Revision
    private let logger: Logger
    /// The newest value of every key: reads at the current revision come from here.
    private let current = CurrentState()

    public init(path: String, watchBufferLimit: Int = 10_000, logger: Logger = Logger(label: "meridian.store.sqlite")) throws(StoreError) {
        let db = try SQLiteConnection(path: path)
        do {
            try db.exec(
                """
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=FULL;
                PRAGMA locking_mode=EXCLUSIVE;
                CREATE TABLE IF NOT EXISTS log (
                    rev INTEGER PRIMARY KEY,
                    key TEXT NOT NULL,
                    create_rev INTEGER NOT NULL,
                    prev_rev INTEGER NOT NULL,
                    deleted INTEGER NOT NULL,
                    value BLOB
                );
                CREATE INDEX IF NOT EXISTS log_key_rev ON log(key, rev);
                CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                """)
        } catch {
            if db.lastError.contains("locked") { throw .unavailable("\(path) is in use by another process") }
            throw error
        }
        self.db = db
        self.hub = WatchHub(bufferLimit: watchBufferLimit)
        self.logger = logger
        let maxRev = try db.scalar("SELECT MAX(rev) FROM log") ?? 0
        let storedRev = try db.scalar("SELECT value FROM meta WHERE name = 'revision'") ?? 1
        self.revision = max(maxRev, storedRev, 1)
        self.compactRevision = try db.scalar("SELECT value FROM meta WHERE name = 'compacted'") ?? 0
        var live: [KeyValue] = []
        try db.query(
            "SELECT key, create_rev, value, MAX(rev) AS mr, deleted FROM log GROUP BY key HAVING deleted = 0"
        ) { r in
            live.append(KeyValue(key: r.text(0), value: r.blob(2), createRevision: r.int(1), modRevision: r.int(3)))
        }
        current.load(live, revision: revision)
    }

    /// A read of the current state: no actor hop, no SQL.
    public nonisolated func get(_ key: String) -> KeyValue? { current.get(key) }

    /// The newest row of a key as stored (inside write transactions).
    private func storedValue(_ key: String) throws(StoreError) -> KeyValue? {
        var result: KeyValue?
        try db.query(
            "SELECT rev, create_rev, deleted, value FROM log WHERE key = ?1 ORDER BY rev DESC LIMIT 1", [.text(key)]
        ) { r in
            if r.int(2) == 0 { result = KeyValue(key: key, value: r.blob(3), createRevision: r.int(1), modRevision: r.int(0)) }
        }
        return result
    }

    private static let rangeSQL = """
        SELECT key, create_rev, value, MAX(rev) AS mr, deleted FROM log
        WHERE key >= ?1 AND key < ?2 AND key <> ?4 AND rev <= ?3 GROUP BY key HAVING deleted = 0 ORDER BY key LIMIT ?5
        """
    private static let countSQL = """
        SELECT COUNT(*) FROM (SELECT MAX(rev), deleted FROM log
        WHERE key >= ?1 AND key < ?2 AND key <> ?4 AND rev <= ?3 GROUP BY key HAVING deleted = 0)
        """

    public func range(prefix: String, startAfter: String?, limit: Int, revision at: Revision?) throws(StoreError) -> RangeResult {
        let readRevision = at ?? revision
        if readRevision > revision { throw .futureRevision(requested: readRevision, current: revision) }
        if readRevision < compactRevision { throw .compacted(requested: readRevision, compacted: compactRevision) }
        if readRevision == revision { return current.range(prefix: prefix, startAfter: startAfter, limit: limit) }
        let after = startAfter.flatMap { $0 >= prefix ? $0 : nil }
        let args: [SQLiteConnection.Binding] = [.text(after ?? prefix), .text(prefix.prefixEnd), .int(readRevision), .text(after ?? "")]
        var items: [KeyValue] = []
        let fetch = limit > 0 ? limit + 1 : -1
        try db.query(Self.rangeSQL, args + [.int(Int64(fetch))]) { r in
            items.append(KeyValue(key: r.text(0), value: r.blob(2), createRevision: r.int(1), modRevision: r.int(3)))
        }
        var more = false
        var count = items.count
        if limit > 0, items.count > limit {
            items.removeLast()
            more = true
            count = Int(try db.scalar(Self.countSQL, args) ?? 0)
        }
        return RangeResult(items: items, revision: readRevision, more: more, count: count)
    }

    /// One write of a batch.
    enum WriteOp {
        case create(String, [UInt8], requiring: [WriteRequirement])
        case update(String, [UInt8], expected: Revision?)
        case delete(String, expected: Revision?)
    }

    private var collecting = false
    private var joined: [(WriteOp, CheckedContinuation<Result<KeyValue, StoreError>, Never>)] = []

    public func create(_ key: String, value: [UInt8], requiring requirements: [WriteRequirement]) async throws(StoreError) -> KeyValue {
        try await submit(.create(key, value, requiring: requirements)).get()
    }

    public func update(_ key: String, value: [UInt8], expectedRevision: Revision?) async throws(StoreError) -> KeyValue {
        try await submit(.update(key, value, expected: expectedRevision)).get()
    }

    public func delete(_ key: String, expectedRevision: Revision?) async throws(StoreError) -> KeyValue {
        try await submit(.delete(key, expected: expectedRevision)).get()
    }

    /// Group commit: the first writer leads, lets concurrent writers join its batch while
    /// it yields the actor once, then commits the whole batch with one fsync.
    private func submit(_ op: WriteOp) async -> Result<KeyValue, StoreError> {
        if collecting {
            return await withCheckedContinuation { joined.append((op, $0)) }
        }
        collecting = true
        await Task.yield()
        let batch = joined
        joined = []
        collecting = false
        let results = commit([op] + batch.map(\.0))
        for (i, entry) in batch.enumerated() { entry.1.resume(returning: results[i + 1]) }
        return results[0]
    }

    /// Applies a batch in one transaction; each operation's precondition is checked against
    /// the state the earlier operations of the batch left.
    private func commit(_ ops: [WriteOp]) -> [Result<KeyValue, StoreError>] {
        var results: [Result<KeyValue, StoreError>] = []
        var events: [StoreEvent] = []
        var rev = revision
        do {
            try db.exec("BEGIN IMMEDIATE")
            for op in ops {
                do {
                    let (kv, event) = try apply(op, revision: rev + 1)
                    rev += 1
                    results.append(.success(kv))
                    events.append(event)
                } catch {
                    results.append(.failure(error))
                }
            }
            try db.exec("COMMIT")
        } catch {
            try? db.exec("ROLLBACK")
            return ops.map { _ in .failure(error) }
        }
        revision = rev
        current.apply(events, revision: rev)
        if !events.isEmpty { hub.publish(events) }
        return results
    }

    private func apply(_ op: WriteOp, revision rev: Revision) throws(StoreError) -> (KeyValue, StoreEvent) {
        switch op {
        case .create(let key, let value, let requirements):
            if try storedValue(key) != nil { throw .keyExists(key) }
            for requirement in requirements where try !holds(requirement) { throw .requirementFailed(key: requirement.key) }
            try insert(rev: rev, key: key, createRev: rev, prevRev: 0, deleted: false, value: value)
            let kv = KeyValue(key: key, value: value, createRevision: rev, modRevision: rev)
            return (kv, StoreEvent(kind: .put, kv: kv, previous: nil))
        case .update(let key, let value, let expected):
            guard let old = try storedValue(key) else {
                if expected != nil { throw .revisionMismatch(key: key, current: nil) }
                throw .keyNotFound(key)
            }
            if let expected, expected != old.modRevision { throw .revisionMismatch(key: key, current: old.modRevision) }
            try insert(rev: rev, key: key, createRev: old.createRevision, prevRev: old.modRevision, deleted: false, value: value)
            let kv = KeyValue(key: key, value: value, createRevision: old.createRevision, modRevision: rev)
            return (kv, StoreEvent(kind: .put, kv: kv, previous: old))
        case .delete(let key, let expected):
            guard let old = try storedValue(key) else { throw .keyNotFound(key) }
            if let expected, expected != old.modRevision { throw .revisionMismatch(key: key, current: old.modRevision) }
            try insert(rev: rev, key: key, createRev: old.createRevision, prevRev: old.modRevision, deleted: true, value: nil)
            var kv = old
            kv.modRevision = rev
            return (kv, StoreEvent(kind: .delete, kv: kv, previous: old))
        }
    }

    private func holds(_ requirement: WriteRequirement) throws(StoreError) -> Bool {
        switch requirement {
        case .keyAt(let key, let modRevision):
            return try storedValue(key)?.modRevision == modRevision
        case .prefixUnchanged(let prefix, let since):
            let written = try db.scalar(
                "SELECT COUNT(*) FROM log WHERE key >= ?1 AND key < ?2 AND rev > ?3 AND deleted = 0",
                [.text(prefix), .text(prefix.prefixEnd), .int(since)])
            return written == 0
        }
    }

    private func insert(rev: Revision, key: String, createRev: Revision, prevRev: Revision, deleted: Bool, value: [UInt8]?)
        throws(StoreError)
    {
        try db.query(
            "INSERT INTO log (rev, key, create_rev, prev_rev, deleted, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            [.int(rev), .text(key), .int(createRev), .int(prevRev), .int(deleted ? 1 : 0), value.map { .blob($0) } ?? .null])
    }

    public func currentRevision() -> Revision { revision }
    public func notifyProgress() { hub.progress(revision) }
    public func compactedRevision() -> Revision { compactRevision }

    public func watch(prefix: String, after: Revision) throws(StoreError) -> AsyncStream<WatchMessage> {
        if after + 1 < compactRevision { throw .compacted(requested: after, compacted: compactRevision) }
        if after > revision { throw .futureRevision(requested: after, current: revision) }
        var backlog: [StoreEvent] = []
        if after < revision {
            try db.query(
                """
                SELECT l.rev, l.key, l.create_rev, l.deleted, l.value, p.rev, p.create_rev, p.value
                FROM log l LEFT JOIN log p ON p.rev = l.prev_rev AND l.prev_rev > 0
                WHERE l.rev > ?1 AND l.key >= ?2 AND l.key < ?3 ORDER BY l.rev
                """, [.int(after), .text(prefix), .text(prefix.prefixEnd)]
            ) { r in
                let key = r.text(1)
                let previous = r.isNull(5) ? nil : KeyValue(key: key, value: r.blob(7), createRevision: r.int(6), modRevision: r.int(5))
                if r.int(3) != 0 {
                    let kv = KeyValue(key: key, value: previous?.value ?? [], createRevision: r.int(2), modRevision: r.int(0))
                    backlog.append(StoreEvent(kind: .delete, kv: kv, previous: previous))
                } else {
                    let kv = KeyValue(key: key, value: r.blob(4), createRevision: r.int(2), modRevision: r.int(0))
                    backlog.append(StoreEvent(kind: .put, kv: kv, previous: previous))
                }
            }
        }
        return hub.subscribe(prefix: prefix, backlog: backlog)
    }

    public func compact(before target: Revision) throws(StoreError) {
        if target > revision { throw .futureRevision(requested: target, current: revision) }
        guard target > compactRevision else { return }
        try db.exec("BEGIN IMMEDIATE")
        do {
            // Keep, per key, the newest row below the target unless it is a tombstone.
            try db.query(
                """
                DELETE FROM log WHERE rev < ?1 AND (deleted = 1 OR rev < (
                    SELECT MAX(l2.rev) FROM log l2 WHERE l2.key = log.key AND l2.rev < ?1))
                """, [.int(target)])
            try db.query("INSERT OR REPLACE INTO meta (name, value) VALUES ('compacted', ?1)", [.int(target)])
            try db.query("INSERT OR REPLACE INTO meta (name, value) VALUES ('revision', ?1)", [.int(revision)])
            try db.exec("COMMIT")
        } catch {
            try? db.exec("ROLLBACK")
            throw error
        }
        compactRevision = target
        logger.debug("compacted", metadata: ["meridian.revision": "\(target)"])
    }

    public func close() {
        hub.finishAll()
        db.close()
    }
}
