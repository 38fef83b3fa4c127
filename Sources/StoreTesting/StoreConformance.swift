import Store

/// The behaviour every `KVStore` backend must show. Each check throws a
/// `StoreConformance.Failure` describing the first mismatch, so a backend's test target
/// calls them one by one (`try await StoreConformance.crud(makeStore())`).
public enum StoreConformance {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = d }
    }

    static func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw Failure(message()) }
    }

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// Create, get, update with and without CAS, delete, and the errors of each.
    public static func crud(_ store: any KVStore) async throws {
        let start = try await store.currentRevision()
        let a = try await store.create("/r/a", value: bytes("1"))
        try expect(a.modRevision == start + 1 && a.createRevision == a.modRevision, "create revision \(a) after \(start)")
        do {
            _ = try await store.create("/r/a", value: bytes("2"))
            throw Failure("second create succeeded")
        } catch StoreError.keyExists(let k) {
            try expect(k == "/r/a", "keyExists names \(k)")
        }
        let got = try await store.get("/r/a")
        try expect(got == a, "get returned \(String(describing: got))")
        let b = try await store.update("/r/a", value: bytes("2"), expectedRevision: a.modRevision)
        try expect(b.modRevision == a.modRevision + 1 && b.createRevision == a.createRevision, "update revisions \(b)")
        do {
            _ = try await store.update("/r/a", value: bytes("3"), expectedRevision: a.modRevision)
            throw Failure("stale CAS succeeded")
        } catch StoreError.revisionMismatch(let key, let current) {
            try expect(key == "/r/a" && current == b.modRevision, "mismatch reports \(key) \(String(describing: current))")
        }
        let c = try await store.update("/r/a", value: bytes("3"), expectedRevision: nil)
        try expect(c.value == bytes("3"), "unconditional update")
        do {
            _ = try await store.update("/r/missing", value: bytes("x"), expectedRevision: nil)
            throw Failure("update of a missing key succeeded")
        } catch StoreError.keyNotFound {}
        let deleted = try await store.delete("/r/a", expectedRevision: c.modRevision)
        try expect(
            deleted.value == bytes("3") && deleted.modRevision == c.modRevision + 1,
            "delete returns last value at the new revision: \(deleted)")
        try expect(try await store.get("/r/a") == nil, "deleted key still readable")
        do {
            _ = try await store.delete("/r/a", expectedRevision: nil)
            throw Failure("second delete succeeded")
        } catch StoreError.keyNotFound {}
        let again = try await store.create("/r/a", value: bytes("4"))
        try expect(
            again.createRevision == again.modRevision && again.modRevision > deleted.modRevision, "re-create starts a new life: \(again)")
        try expect(try await store.currentRevision() == again.modRevision, "current revision follows the last write")
    }

    /// Creates that require another key to be unchanged (a namespace that must still exist)
    /// or a prefix to have no newer writes (a namespace without quotas): they commit while
    /// that holds and fail, writing nothing, once it does not.
    public static func requirements(_ store: any KVStore) async throws {
        let ns = try await store.create("/q/ns", value: bytes("active"))
        let first = try await store.create("/q/ns/a", value: bytes("1"), requiring: [.keyAt("/q/ns", modRevision: ns.modRevision)])
        try expect(first.modRevision == ns.modRevision + 1, "create under a held requirement: \(first)")
        func expectFailure(_ name: String, _ requirements: [WriteRequirement], naming failed: String) async throws {
            let before = try await store.currentRevision()
            do {
                _ = try await store.create(name, value: bytes("x"), requiring: requirements)
                throw Failure("create of \(name) succeeded though \(requirements) no longer held")
            } catch StoreError.requirementFailed(let key) {
                try expect(key == failed, "requirementFailed names \(key), not \(failed)")
            }
            try expect(try await store.get(name) == nil, "failed create of \(name) left the key")
            try expect(try await store.currentRevision() == before, "failed create of \(name) moved the revision")
        }
        let changed = try await store.update("/q/ns", value: bytes("terminating"), expectedRevision: ns.modRevision)
        try await expectFailure("/q/ns/b", [.keyAt("/q/ns", modRevision: ns.modRevision)], naming: "/q/ns")
        let deleted = try await store.delete("/q/ns", expectedRevision: changed.modRevision)
        try await expectFailure("/q/ns/b", [.keyAt("/q/ns", modRevision: changed.modRevision)], naming: "/q/ns")
        let again = try await store.create("/q/ns", value: bytes("active"))
        try expect(again.modRevision > deleted.modRevision, "re-created requirement key")
        try await expectFailure("/q/ns/b", [.keyAt("/q/ns", modRevision: changed.modRevision)], naming: "/q/ns")
        do {
            _ = try await store.create("/q/ns/a", value: bytes("2"), requiring: [.keyAt("/q/ns", modRevision: again.modRevision)])
            throw Failure("create of an existing key succeeded under a held requirement")
        } catch StoreError.keyExists(let key) {
            try expect(key == "/q/ns/a", "keyExists names \(key)")
        }

        // Prefixes: an empty one and one not written since the revision hold; a create or an
        // update under it after the revision fails the requirement.
        let mark = try await store.currentRevision()
        let held: [WriteRequirement] = [.prefixUnchanged("/q/quotas/", since: mark), .keyAt("/q/ns", modRevision: again.modRevision)]
        _ = try await store.create("/q/ns/c", value: bytes("1"), requiring: held)
        let quota = try await store.create("/q/quotas/one", value: bytes("1"))
        try await expectFailure("/q/ns/d", held, naming: "/q/quotas/")
        let since = try await store.currentRevision()
        _ = try await store.create("/q/ns/d", value: bytes("1"), requiring: [.prefixUnchanged("/q/quotas/", since: since)])
        _ = try await store.update("/q/quotas/one", value: bytes("2"), expectedRevision: quota.modRevision)
        try await expectFailure(
            "/q/ns/e", [.keyAt("/q/ns", modRevision: again.modRevision), .prefixUnchanged("/q/quotas/", since: since)], naming: "/q/quotas/"
        )

        let cached = try await store.cachedGet("/q/ns/a")
        try expect(!cached.isCurrent || cached.kv == first, "cachedGet that claims to be current returned \(String(describing: cached))")
        let listed = try await store.cachedRange(prefix: "/q/ns/")
        try expect(
            !listed.isCurrent || listed.items.map(\.key) == ["/q/ns/a", "/q/ns/c", "/q/ns/d"],
            "cachedRange that claims to be current returned \(listed.items.map(\.key))")
    }

    /// Ranges: prefix isolation, key order, limits with `more` and `count`, startAfter, and
    /// reads at an older revision.
    public static func ranges(_ store: any KVStore) async throws {
        for name in ["b", "a", "d", "c"] { _ = try await store.create("/p/x/\(name)", value: bytes(name)) }
        _ = try await store.create("/p/xy/z", value: bytes("other prefix"))
        _ = try await store.create("/p/w", value: bytes("before"))
        let all = try await store.range(prefix: "/p/x/", startAfter: nil, limit: 0, revision: nil)
        try expect(all.items.map(\.key) == ["/p/x/a", "/p/x/b", "/p/x/c", "/p/x/d"], "range keys \(all.items.map(\.key))")
        try expect(!all.more && all.count == 4, "unlimited range more=\(all.more) count=\(all.count)")
        let page = try await store.range(prefix: "/p/x/", startAfter: nil, limit: 3, revision: nil)
        try expect(
            page.items.map(\.key) == ["/p/x/a", "/p/x/b", "/p/x/c"] && page.more && page.count == 4,
            "page \(page.items.map(\.key)) more=\(page.more) count=\(page.count)")
        let rest = try await store.range(prefix: "/p/x/", startAfter: "/p/x/c", limit: 3, revision: page.revision)
        try expect(rest.items.map(\.key) == ["/p/x/d"] && !rest.more, "second page \(rest.items.map(\.key))")
        let before = try await store.currentRevision()
        _ = try await store.update("/p/x/a", value: bytes("changed"), expectedRevision: nil)
        _ = try await store.delete("/p/x/b", expectedRevision: nil)
        _ = try await store.create("/p/x/e", value: bytes("e"))
        let old = try await store.range(prefix: "/p/x/", startAfter: nil, limit: 0, revision: before)
        try expect(old.items.map(\.key) == ["/p/x/a", "/p/x/b", "/p/x/c", "/p/x/d"], "range at an older revision: \(old.items.map(\.key))")
        try expect(old.items[0].value == bytes("a") && old.revision == before, "old value at old revision")
        let now = try await store.range(prefix: "/p/x/", startAfter: nil, limit: 0, revision: nil)
        try expect(now.items.map(\.key) == ["/p/x/a", "/p/x/c", "/p/x/d", "/p/x/e"], "range now: \(now.items.map(\.key))")
        do {
            _ = try await store.range(prefix: "/p/x/", startAfter: nil, limit: 0, revision: now.revision + 100)
            throw Failure("range in the future succeeded")
        } catch StoreError.futureRevision {}
    }

    static func collect(_ stream: AsyncStream<WatchMessage>, count: Int) async throws -> [StoreEvent] {
        var events: [StoreEvent] = []
        for await message in stream {
            switch message {
            case .events(let batch): events += batch
            case .failed(let e): throw Failure("watch failed: \(e)")
            case .progress: continue
            }
            if events.count >= count { break }
        }
        return events
    }

    /// Watches replay history after a revision in order, then follow live writes with
    /// previous values, filtered by prefix.
    public static func watches(_ store: any KVStore) async throws {
        let start = try await store.currentRevision()
        _ = try await store.create("/w/a", value: bytes("1"))
        _ = try await store.create("/other/x", value: bytes("x"))
        _ = try await store.update("/w/a", value: bytes("2"), expectedRevision: nil)
        let stream = try await store.watch(prefix: "/w/", after: start)
        _ = try await store.delete("/w/a", expectedRevision: nil)
        _ = try await store.create("/w/b", value: bytes("b"))
        let events = try await collect(stream, count: 4)
        try expect(events.map(\.kind) == [.put, .put, .delete, .put], "kinds \(events.map(\.kind))")
        try expect(events.map(\.kv.key) == ["/w/a", "/w/a", "/w/a", "/w/b"], "keys \(events.map(\.kv.key))")
        let revisions = events.map(\.revision)
        try expect(revisions == revisions.sorted() && Set(revisions).count == 4, "revisions in order without repeats: \(revisions)")
        try expect(events[0].previous == nil && events[1].previous?.value == bytes("1"), "previous values")
        try expect(events[2].kv.value == bytes("2") && events[2].previous?.value == bytes("2"), "delete carries the last value")
        let fromNow = try await store.watch(prefix: "/w/", after: try await store.currentRevision())
        _ = try await store.create("/w/c", value: bytes("c"))
        let live = try await collect(fromNow, count: 1)
        try expect(live.map(\.kv.key) == ["/w/c"] && live[0].isCreate, "live watch: \(live.map(\.kv.key))")
    }

    /// Compaction: old revisions become unreadable (`compacted`), newer ones stay intact.
    public static func compaction(_ store: any KVStore) async throws {
        _ = try await store.create("/c/a", value: bytes("1"))
        let mid = try await store.update("/c/a", value: bytes("2"), expectedRevision: nil)
        _ = try await store.create("/c/gone", value: bytes("x"))
        _ = try await store.delete("/c/gone", expectedRevision: nil)
        let last = try await store.update("/c/a", value: bytes("3"), expectedRevision: nil)
        try await store.compact(before: mid.modRevision)
        try expect(try await store.compactedRevision() == mid.modRevision, "compacted revision recorded")
        do {
            _ = try await store.watch(prefix: "/c/", after: mid.modRevision - 5)
            throw Failure("watch from a compacted revision succeeded")
        } catch StoreError.compacted {}
        let atMid = try await store.range(prefix: "/c/", startAfter: nil, limit: 0, revision: mid.modRevision)
        try expect(atMid.items.map(\.value) == [bytes("2")], "range at the compaction revision: \(atMid.items.map(\.key))")
        let stream = try await store.watch(prefix: "/c/", after: mid.modRevision)
        let events = try await collect(stream, count: 3)
        try expect(events.last?.kv.modRevision == last.modRevision, "history after compaction intact")
        try expect(try await store.get("/c/a")?.value == bytes("3"), "current value survives compaction")
    }

    /// Racing writers: exactly one compare-and-swap from the same revision wins, and the
    /// revision advances once per successful write.
    public static func concurrentCAS(_ store: any KVStore) async throws {
        let base = try await store.create("/cas/k", value: bytes("0"))
        let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<16 {
                group.addTask {
                    do {
                        _ = try await store.update("/cas/k", value: bytes("\(i)"), expectedRevision: base.modRevision)
                        return true
                    } catch StoreError.revisionMismatch {
                        return false
                    }
                }
            }
            var n = 0
            for try await won in group where won { n += 1 }
            return n
        }
        try expect(wins == 1, "\(wins) writers won the same CAS")
        try expect(try await store.currentRevision() == base.modRevision + 1, "revision advanced once")
    }

    /// A watcher that does not read is cut off with a failure instead of blocking writers.
    public static func slowWatcherIsCutOff(_ store: any KVStore, bufferLimit: Int) async throws {
        let stream = try await store.watch(prefix: "/slow/", after: try await store.currentRevision())
        for i in 0..<(bufferLimit + 10) { _ = try await store.create("/slow/\(i)", value: bytes("v")) }
        var sawFailure = false
        var delivered = 0
        for await message in stream {
            switch message {
            case .events(let batch): delivered += batch.count
            case .failed: sawFailure = true
            case .progress: break
            }
        }
        try expect(sawFailure, "no failure signal after \(delivered) events")
        try expect(delivered < bufferLimit + 10, "slow watcher received everything")
    }
}
