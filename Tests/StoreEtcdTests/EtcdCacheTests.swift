import Foundation
import Store
import StoreTesting
import Testing

@testable import StoreEtcd

/// Polls `condition` until it holds or `timeout` passes.
func waitFor(_ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out waiting for \(what)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// The watch-fed cache of `EtcdStore` (kube-apiserver's watch cache): what it serves, and
/// that a stale copy can only cost a retry, never a wrong write.
@Suite(.enabled(if: etcdInstalled, "etcd is not installed (apt-get install etcd-server)"), .timeLimit(.minutes(2)))
struct EtcdCacheTests {
    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// The cache as etcd has it now, key by key.
    static func matchesEtcd(_ store: EtcdStore) async throws -> Bool {
        let etcd = try await store.range(prefix: "/", startAfter: nil, limit: 0, revision: nil)
        return store.cache.range(prefix: "/").items == etcd.items
    }

    /// Two stores on one etcd: a copy of B's that is behind A's write is only a suggestion.
    /// The compare-and-swap on it fails, a real read recovers, and a create that requires a
    /// namespace key B still has cached fails once A deleted it.
    @Test func staleSuggestionsFailTheSwapAndARealReadRecovers() async throws {
        let etcd = try await EtcdCluster.start()
        defer { etcd.stopAll() }
        let prefix = "/c-\(UUID().uuidString.prefix(8))"
        try await withStore(etcd, prefix: prefix) { a in
            try await withStore(etcd, prefix: prefix) { b in
                let ns = try await a.create("/ns/team", value: Self.bytes("active"))
                let first = try await a.create("/cm/team/x", value: Self.bytes("1"))
                try await waitFor("B's cache to have A's writes") { b.cache.watched("/cm/team/x") == first }
                let suggestion = try await b.cachedGet("/cm/team/x")
                #expect(suggestion == CachedRead(kv: first, isCurrent: false))

                b.cache.holdEvents(true)
                let second = try await a.update("/cm/team/x", value: Self.bytes("2"), expectedRevision: first.modRevision)
                _ = try await a.delete("/ns/team", expectedRevision: ns.modRevision)
                #expect(try await b.cachedGet("/cm/team/x").kv == first, "B's cache is held behind A's update")
                #expect(try await b.cachedGet("/ns/team").kv == ns, "B's cache still has the deleted namespace")

                do {
                    _ = try await b.update("/cm/team/x", value: Self.bytes("3"), expectedRevision: first.modRevision)
                    Issue.record("a swap on a stale suggestion succeeded")
                } catch StoreError.revisionMismatch(let key, let current) {
                    #expect(key == "/cm/team/x" && current == second.modRevision)
                }
                let real = try await b.get("/cm/team/x")
                #expect(real == second, "get reads etcd, not the cache")
                let third = try await b.update("/cm/team/x", value: Self.bytes("3"), expectedRevision: real?.modRevision)
                #expect(third.modRevision > second.modRevision)
                #expect(try await b.cachedGet("/cm/team/x").kv == third, "B's own write is its suggestion while its cache is held")

                do {
                    _ = try await b.create(
                        "/cm/team/y", value: Self.bytes("1"), requiring: [.keyAt("/ns/team", modRevision: ns.modRevision)])
                    Issue.record("a create in a deleted namespace succeeded on a stale cache")
                } catch StoreError.requirementFailed(let key) {
                    #expect(key == "/ns/team")
                }
                #expect(try await a.get("/cm/team/y") == nil)

                b.cache.holdEvents(false)
                try await waitFor("B's cache to catch up") { try await Self.matchesEtcd(b) }
                #expect(try await b.cachedGet("/ns/team").kv == nil)
                #expect(try await b.cachedGet("/cm/team/x").kv == third)
            }
        }
    }

    /// A watch resumed from an older, still retained revision replays what it missed without
    /// moving keys backwards; one resumed from a compacted revision lists again.
    @Test func watchGapsResumeAndCompactionRelists() async throws {
        let etcd = try await EtcdCluster.start()
        defer { etcd.stopAll() }
        try await withStore(etcd) { store in
            try await waitFor("the first list") { store.cache.isReady }
            #expect(store.cache.lists == 1)
            var last = try await store.create("/g/a", value: Self.bytes("1"))
            let early = last.modRevision
            for i in 2...5 { last = try await store.update("/g/a", value: Self.bytes("\(i)"), expectedRevision: last.modRevision) }
            _ = try await store.create("/g/b", value: Self.bytes("1"))
            try await waitFor("the cache to follow") { try await Self.matchesEtcd(store) }

            // A gap inside the retained history: the events are replayed, the cache stays current.
            store.cache.resumeWatch(after: early)
            _ = try await store.create("/g/c", value: Self.bytes("1"))
            try await waitFor("the resumed watch") { store.cache.watched("/g/c") != nil }
            #expect(store.cache.watched("/g/a") == last, "a replayed older event moved /g/a backwards")
            #expect(try await Self.matchesEtcd(store))
            #expect(store.cache.lists == 1)

            // A gap past a compaction: etcd refuses the old revision and the cache lists again.
            let deleted = try await store.delete("/g/b", expectedRevision: nil)
            try await store.compact(before: deleted.modRevision)
            store.cache.resumeWatch(after: early)
            _ = try await store.create("/g/d", value: Self.bytes("1"))
            try await waitFor("a new list after compaction") { store.cache.lists == 2 }
            try await waitFor("the cache to match etcd") { try await Self.matchesEtcd(store) }
            #expect(store.cache.watched("/g/b") == nil && store.cache.watched("/g/d") != nil)
        }
    }

    /// A new store on data an earlier one wrote lists it before serving from the cache, and a
    /// restarted etcd member leaves the cache following again. The etcd prefix is empty, as
    /// `meridian apiserver` uses it by default (keys outside `/` such as `compact_rev_key` stay out).
    @Test func restartsOfTheStoreAndOfEtcd() async throws {
        let etcd = try await EtcdCluster.start()
        defer { etcd.stopAll() }
        let written = try await withStore(etcd, prefix: "") { store in
            try await store.compact(before: try await store.currentRevision())  // writes compact_rev_key
            var written: [KeyValue] = []
            for i in 0..<20 { written.append(try await store.create("/r/\(i)", value: Self.bytes("\(i)"))) }
            return written
        }
        try await withStore(etcd, prefix: "") { store in
            #expect(try await store.cachedGet("/r/0").kv == written[0], "before or after the list, the value is right")
            try await waitFor("the list") { store.cache.isReady }
            #expect(store.cache.range(prefix: "/").items == written.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) })
            #expect(store.cache.watched("compact_rev_key") == nil)

            etcd.stop(0)
            try await etcd.restart(0)
            let after = try await eventually { try await store.create("/r/after", value: Self.bytes("x")) }
            try await waitFor("the cache to follow after etcd restarted", timeout: .seconds(30)) {
                store.cache.watched("/r/after") == after
            }
            #expect(try await Self.matchesEtcd(store))
        }
    }
}
