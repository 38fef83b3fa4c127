import Foundation
import Store
import StoreTesting
import Testing

@testable import StoreEtcd

/// Store watches served from the cache's one etcd watch (`EtcdWatchFanOut`): the same events
/// an etcd watch of their own delivers, bookmarks, and a re-list signal when the cache missed
/// events.
@Suite(.enabled(if: etcdInstalled, "etcd is not installed (apt-get install etcd-server)"), .timeLimit(.minutes(2)))
struct EtcdWatchFanOutTests {
    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// The next `count` events (progress skipped; a failure thrown).
    static func next(_ iterator: inout AsyncStream<WatchMessage>.Iterator, count: Int) async throws -> [StoreEvent] {
        var events: [StoreEvent] = []
        while events.count < count, let message = await iterator.next() {
            switch message {
            case .events(let batch): events += batch
            case .progress: continue
            case .failed(let error): throw error
            }
        }
        return events
    }

    @Test func cachedWatchesDeliverWhatAnEtcdWatchDelivers() async throws {
        let etcd = try await EtcdCluster.start()
        defer { etcd.stopAll() }
        try await withStore(etcd) { store in
            try await waitFor("the first list") { store.cache.isReady }
            let start = try await store.currentRevision()
            let cached = try await store.watch(prefix: "/f/", after: start)
            #expect(store.cache.watches.count == 1, "served from the cache")
            let own = try await store.watch(prefix: "/f/", after: start, withPrevious: true)

            let a = try await store.create("/f/a", value: Self.bytes("1"))
            _ = try await store.create("/other/x", value: Self.bytes("x"))
            let a2 = try await store.update("/f/a", value: Self.bytes("2"), expectedRevision: a.modRevision)
            _ = try await store.create("/f/b", value: Self.bytes("b"))
            let deleted = try await store.delete("/f/a", expectedRevision: nil)

            var fromCache = cached.makeAsyncIterator()
            var fromEtcd = own.makeAsyncIterator()
            let got = try await Self.next(&fromCache, count: 4)
            let expected = try await Self.next(&fromEtcd, count: 4)
            #expect(got == expected)
            #expect(got.map(\.kv.key) == ["/f/a", "/f/a", "/f/b", "/f/a"])
            #expect(got[1].previous == a && got[1].kv == a2)
            #expect(got[3].kind == .delete && got[3].kv.value == Self.bytes("2") && got[3].previous == a2)
            #expect(got[3].revision == deleted.modRevision)

            // A bookmark at the current revision, in order after the events.
            await store.notifyProgress()
            var progress: Revision?
            while progress == nil, let message = await fromCache.next() {
                if case .progress(let revision) = message { progress = revision }
            }
            #expect(progress == (try await store.currentRevision()))
        }
    }

    /// A watch that starts in the recent past is replayed from the history; one that starts
    /// before the cache listed is left to etcd; a consumer that leaves is forgotten.
    @Test func historyReplayAndFallback() async throws {
        let etcd = try await EtcdCluster.start()
        defer { etcd.stopAll() }
        let prefix = "/h-\(UUID().uuidString.prefix(8))"
        let early = try await withStore(etcd, prefix: prefix) { store in
            let first = try await store.create("/h/a", value: Self.bytes("1"))
            _ = try await store.update("/h/a", value: Self.bytes("2"), expectedRevision: first.modRevision)
            return first.modRevision - 1
        }
        try await withStore(etcd, prefix: prefix) { store in
            try await waitFor("the first list") { store.cache.isReady }
            let older = try await store.watch(prefix: "/h/", after: early)
            #expect(store.cache.watches.count == 0, "before the cache listed: an etcd watch")
            var fromEtcd = older.makeAsyncIterator()
            #expect(try await Self.next(&fromEtcd, count: 2).map(\.kv.value) == [Self.bytes("1"), Self.bytes("2")])

            let recent = try await store.currentRevision()
            let b = try await store.create("/h/b", value: Self.bytes("b"))
            try await waitFor("the cache to apply it") { store.cache.watched("/h/b") == b }
            let replayed = try await store.watch(prefix: "/h/", after: recent)
            #expect(store.cache.watches.count == 1)
            var iterator = replayed.makeAsyncIterator()
            #expect(try await Self.next(&iterator, count: 1) == [StoreEvent(kind: .put, kv: b, previous: nil)])

            let reader = Task {
                var it = try await store.watch(prefix: "/h/", after: recent).makeAsyncIterator()
                return try await Self.next(&it, count: 1)
            }
            #expect(try await reader.value.map(\.kv) == [b])
            try await waitFor("the finished watch to be forgotten") { store.cache.watches.count == 1 }
            withExtendedLifetime(replayed) {}
        }
    }

    /// When the cache must list again, events were missed: its watches end with `.compacted`.
    @Test func aRelistOfTheCacheEndsItsWatchesWithARelistSignal() async throws {
        let etcd = try await EtcdCluster.start()
        defer { etcd.stopAll() }
        try await withStore(etcd) { store in
            try await waitFor("the first list") { store.cache.isReady }
            let first = try await store.create("/r/a", value: Self.bytes("1"))
            try await waitFor("the cache to apply it") { store.cache.watched("/r/a") == first }
            let watch = try await store.watch(prefix: "/r/", after: first.modRevision)
            #expect(store.cache.watches.count == 1)

            let second = try await store.update("/r/a", value: Self.bytes("2"), expectedRevision: first.modRevision)
            try await store.compact(before: second.modRevision)
            store.cache.resumeWatch(after: first.modRevision - 1)
            _ = try await store.create("/r/b", value: Self.bytes("1"))
            try await waitFor("a new list after compaction") { store.cache.lists == 2 }

            var ending: StoreError?
            var updates: [StoreEvent] = []
            for await message in watch {
                switch message {
                case .events(let batch): updates += batch
                case .progress: continue
                case .failed(let error): ending = error
                }
            }
            // What the cache applied before it resumed (the create of /r/b may be among it).
            #expect(updates.first?.kv == second && updates.dropFirst().allSatisfy { $0.kv.key == "/r/b" })
            guard case .compacted = ending else {
                Issue.record("the watch ended with \(String(describing: ending))")
                return
            }
            #expect(store.cache.watches.count == 0)
        }
    }
}

/// The fan-out on its own: history bounds, replay, bookmarks and cut-offs.
@Suite struct EtcdWatchFanOutUnitTests {
    static func put(_ key: String, _ revision: Revision, size: Int = 1) -> StoreEvent {
        StoreEvent(
            kind: .put, kv: KeyValue(key: key, value: Array(repeating: 0x61, count: size), createRevision: revision, modRevision: revision),
            previous: nil)
    }

    static func drain(_ stream: AsyncStream<WatchMessage>) async -> [WatchMessage] {
        var messages: [WatchMessage] = []
        for await message in stream { messages.append(message) }
        return messages
    }

    @Test func servesOnlyWhatItsHistoryCovers() async {
        let fanOut = EtcdWatchFanOut(historyLimit: 4, historyByteLimit: 1 << 20, bufferLimit: 100)
        #expect(fanOut.watch(prefix: "/a/", after: 0) == nil, "nothing before the first list")
        fanOut.restart(at: 10)
        #expect(fanOut.watch(prefix: "/a/", after: 9) == nil, "before the list")
        fanOut.publish((11...16).map { Self.put($0.isMultiple(of: 2) ? "/a/x" : "/b/y", Revision($0)) })
        // Six events against a limit of four (trimmed past five): 11 and 12 are gone.
        #expect(fanOut.watch(prefix: "/a/", after: 11) == nil)
        let replay = fanOut.watch(prefix: "/a/", after: 12)
        #expect(replay != nil && fanOut.count == 1)
        fanOut.progress(16)
        fanOut.close()
        let messages = await Self.drain(replay!)
        #expect(messages == [.events([Self.put("/a/x", 14), Self.put("/a/x", 16)]), .progress(16)])
    }

    @Test func boundsTheHistoryInBytes() {
        let fanOut = EtcdWatchFanOut(historyLimit: 1000, historyByteLimit: 1000, bufferLimit: 100)
        fanOut.restart(at: 0)
        fanOut.publish((1...5).map { Self.put("/a/\($0)", Revision($0), size: 300) })
        // 1,500 bytes against 1,000: trimmed to at most 750, so revisions 1 to 3 are gone.
        #expect(fanOut.watch(prefix: "/a/", after: 2) == nil)
        #expect(fanOut.watch(prefix: "/a/", after: 3) != nil)
    }

    @Test func aWatchThatFallsBehindIsCutOffAndARelistEndsTheRest() async {
        let fanOut = EtcdWatchFanOut(historyLimit: 100, bufferLimit: 2)
        fanOut.restart(at: 0)
        let slow = fanOut.watch(prefix: "/", after: 0)!
        for revision in 1...5 { fanOut.publish([Self.put("/k", Revision(revision))]) }
        #expect(await Self.drain(slow).last == .failed(.unavailable("watcher fell behind; re-list required")))
        #expect(fanOut.count == 0)

        let other = fanOut.watch(prefix: "/", after: 5)!
        fanOut.restart(at: 9)
        #expect(await Self.drain(other) == [.failed(.compacted(requested: 5, compacted: 9))])
        #expect(fanOut.count == 0)
    }
}
