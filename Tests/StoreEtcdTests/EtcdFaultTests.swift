import Foundation
import Store
import StoreEtcd
import StoreTesting
import Testing

/// Collects watch events until `count` have arrived (progress skipped); a failure ends it.
func collectEvents(_ stream: AsyncStream<WatchMessage>, count: Int) async throws -> [StoreEvent] {
    var events: [StoreEvent] = []
    for await message in stream {
        switch message {
        case .events(let batch): events += batch
        case .progress: continue
        case .failed(let error): throw error
        }
        if events.count >= count { break }
    }
    return events
}

/// Retries `body` while etcd answers unavailable/timeout (a member or the whole cluster is
/// coming back), up to `timeout`.
func eventually<T>(timeout: Duration = .seconds(30), _ body: () async throws -> T) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        do {
            return try await body()
        } catch let error as StoreError {
            guard ContinuousClock.now < deadline else { throw error }
            switch error {
            case .unavailable, .timeout: try await Task.sleep(for: .milliseconds(50))
            default: throw error
            }
        }
    }
}

@Suite(.enabled(if: etcdInstalled, "etcd is not installed (apt-get install etcd-server)"), .timeLimit(.minutes(2)))
struct EtcdFaultTests {
    @Test func requestsFailFastWhileEtcdIsDown() async throws {
        let etcd = try await EtcdCluster.start()
        defer { etcd.stopAll() }
        try await withStore(etcd, timeout: .seconds(2)) { store in
            // Setting up may take what a busy machine needs; only the reads below must fail fast.
            _ = try await eventually {
                if let existing = try await store.get("/k/a") { return existing }
                return try await store.create("/k/a", value: [1])
            }
            etcd.stop(0)
            for attempt in 0..<3 {
                let started = ContinuousClock.now
                do {
                    _ = try await store.get("/k/a")
                    Issue.record("read \(attempt) succeeded with etcd stopped")
                } catch StoreError.unavailable {
                } catch StoreError.timeout {
                } catch {
                    Issue.record("read \(attempt) failed with \(error)")
                }
                // The request deadline is 2 s; the rest is slack for a loaded machine (a hang is forever).
                #expect(ContinuousClock.now - started < .seconds(20), "attempt \(attempt) took too long")
            }
            try await etcd.restart(0)
            let value = try await eventually { try await store.get("/k/a") }
            #expect(value?.value == [1])
        }
    }

    @Test func requestsTimeOutWhileEtcdIsStalled() async throws {
        let etcd = try await EtcdCluster.start()
        defer {
            etcd.resume(0)
            etcd.stopAll()
        }
        try await withStore(etcd, timeout: .seconds(1)) { store in
            _ = try await eventually { try await store.create("/k/a", value: [1]) }
            etcd.pause(0)
            for attempt in 0..<2 {
                let started = ContinuousClock.now
                do {
                    _ = try await store.get("/k/a")
                    Issue.record("read \(attempt) succeeded with etcd stalled")
                } catch StoreError.timeout {
                } catch {
                    Issue.record("read \(attempt) failed with \(error), not a timeout")
                }
                do {
                    _ = try await store.update("/k/a", value: [2], expectedRevision: nil)
                    Issue.record("write \(attempt) succeeded with etcd stalled")
                } catch StoreError.timeout {
                } catch {
                    Issue.record("write \(attempt) failed with \(error), not a timeout")
                }
                // Two 1 s deadlines; the rest is slack for a loaded machine (a hang is forever).
                #expect(ContinuousClock.now - started < .seconds(30), "attempt \(attempt) took too long")
            }
            etcd.resume(0)
            let value = try await eventually { try await store.get("/k/a") }
            #expect(value != nil)
        }
    }

    @Test func watchResumesAfterEtcdRestartWithoutGapsOrDuplicates() async throws {
        let etcd = try await EtcdCluster.start()
        defer { etcd.stopAll() }
        try await withStore(etcd) { store in
            let start = try await store.currentRevision()
            let stream = try await store.watch(prefix: "/w/", after: start)
            for i in 0..<5 { _ = try await store.create("/w/a\(i)", value: [UInt8(i)]) }
            etcd.stop(0)
            try await etcd.restart(0)
            for i in 0..<5 {
                _ = try await eventually { try await store.create("/w/b\(i)", value: [UInt8(i)]) }
            }
            let events = try await collectEvents(stream, count: 10)
            #expect(events.map(\.kv.key) == (0..<5).map { "/w/a\($0)" } + (0..<5).map { "/w/b\($0)" })
            #expect(events.map(\.revision) == Array((start + 1)...(start + 10)))
            #expect(events.allSatisfy { $0.isCreate })
        }
    }

    @Test func progressNotificationCarriesTheCurrentRevision() async throws {
        let etcd = try await EtcdCluster.start()
        defer { etcd.stopAll() }
        try await withStore(etcd) { store in
            let created = try await store.create("/p/a", value: [1])
            _ = try await store.create("/elsewhere/b", value: [2])
            let stream = try await store.watch(prefix: "/p/", after: created.modRevision)
            let current = try await store.currentRevision()
            var progress: Revision?
            // The watch may not be connected yet when asked; ask until it answers.
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        await store.notifyProgress()
                        try? await Task.sleep(for: .milliseconds(50))
                    }
                }
                for await message in stream {
                    if case .progress(let revision) = message {
                        progress = revision
                        break
                    }
                    Issue.record("unexpected \(message)")
                }
                group.cancelAll()
            }
            #expect(progress == current)
        }
    }

    @Test func anUnreachableEndpointIsSkipped() async throws {
        let etcd = try await EtcdCluster.start()
        defer { etcd.stopAll() }
        let dead = try EtcdCluster.freePorts(1)[0]
        try await withStore(etcd, endpoints: "http://127.0.0.1:\(dead),\(etcd.endpoints)") { store in
            for i in 0..<10 {
                let kv = try await eventually { try await store.create("/f/\(i)", value: []) }
                #expect(kv.key == "/f/\(i)")
            }
            #expect(try await store.range(prefix: "/f/", startAfter: nil, limit: 0, revision: nil).count == 10)
        }
    }

    /// Writers keep writing while one of three members is killed: every write that was
    /// acknowledged is there afterwards, read through the surviving members.
    @Test func threeMemberClusterLosesOneMemberUnderWriteLoad() async throws {
        let etcd = try await EtcdCluster.start(members: 3)
        defer { etcd.stopAll() }
        let prefix = "/ha-\(UUID().uuidString.prefix(8))"
        let acknowledged = try await withStore(etcd, prefix: prefix, timeout: .seconds(3)) { store in
            try await withThrowingTaskGroup(of: [String: Revision].self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        var mine: [String: Revision] = [:]
                        for i in 0..<150 {
                            let key = "/load/\(writer)/\(i)"
                            do {
                                mine[key] = try await store.create(key, value: Array(key.utf8)).modRevision
                            } catch StoreError.unavailable, StoreError.timeout {
                                continue  // not acknowledged: may or may not be there
                            }
                        }
                        return mine
                    }
                }
                group.addTask {
                    // Kill a member once the load is well under way.
                    _ = try await eventually { () async throws -> Bool in
                        let count = try await store.range(prefix: "/load/", startAfter: nil, limit: 1, revision: nil).count
                        if count < 150 { throw StoreError.unavailable("not yet") }
                        return true
                    }
                    etcd.stop(0)
                    return [:]
                }
                var all: [String: Revision] = [:]
                for try await part in group { all.merge(part) { a, _ in a } }
                return all
            }
        }
        #expect(etcd.members[0].clientPort > 0)
        #expect(acknowledged.count >= 450, "only \(acknowledged.count) of 600 writes acknowledged")
        let survivors = etcd.members.dropFirst().map(\.clientURL).joined(separator: ",")
        let stored = try await withStore(etcd, endpoints: survivors, prefix: prefix) { store in
            try await eventually {
                try await store.range(prefix: "/load/", startAfter: nil, limit: 0, revision: nil)
            }
        }
        let byKey = Dictionary(uniqueKeysWithValues: stored.items.map { ($0.key, $0) })
        let lost = acknowledged.keys.filter { (key: String) -> Bool in
            byKey[key]?.modRevision != acknowledged[key] || byKey[key]?.value != Array(key.utf8)
        }
        #expect(lost.isEmpty, "acknowledged writes lost: \(lost.sorted().prefix(10))")
    }
}
