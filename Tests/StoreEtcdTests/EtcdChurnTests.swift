import Foundation
import Store
import StoreEtcd
import StoreTesting
import Testing

@Suite(.enabled(if: etcdInstalled, "etcd is not installed (apt-get install etcd-server)"), .timeLimit(.minutes(2)))
struct EtcdChurnTests {
    /// etcd answers nearly every request with an HTTP/2 PING (grpc-go's bandwidth probe);
    /// more requests than swift-nio-http2 tolerates PINGs in 30 s (200) all succeed on one
    /// connection.
    @Test func manyRequestsOnOneConnection() async throws {
        let etcd = try await EtcdCluster.start()
        defer { etcd.stopAll() }
        try await withStore(etcd) { store in
            for i in 0..<600 { _ = try await store.create("/many/\(i)", value: []) }
            #expect(try await store.range(prefix: "/many/", startAfter: nil, limit: 0, revision: nil).count == 600)
        }
    }

    /// Ranges and watch catch-ups larger than gRPC's default 4 MiB message limit.
    @Test func largeRangesAndWatchBatches() async throws {
        let etcd = try await EtcdCluster.start()
        defer { etcd.stopAll() }
        try await withStore(etcd) { store in
            let start = try await store.currentRevision()
            let value = [UInt8](repeating: 7, count: 1_000_000)
            for i in 0..<6 { _ = try await store.create("/big/\(i)", value: value) }
            let all = try await store.range(prefix: "/big/", startAfter: nil, limit: 0, revision: nil)
            #expect(all.items.map(\.key) == (0..<6).map { "/big/\($0)" })
            #expect(all.items.allSatisfy { $0.value == value })
            let events = try await collectEvents(try await store.watch(prefix: "/big/", after: start), count: 6)
            #expect(events.map(\.revision) == Array((start + 1)...(start + 6)))
        }
    }

    /// Watches that come and go (as API clients open and drop them) never disturb requests
    /// running beside them.
    @Test func watchChurnLeavesRequestsAlone() async throws {
        let etcd = try await EtcdCluster.start()
        defer { etcd.stopAll() }
        try await withStore(etcd) { store in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for round in 0..<30 {
                        var streams: [AsyncStream<WatchMessage>] = []
                        for _ in 0..<5 {
                            streams.append(try await store.watch(prefix: "/churn/", after: try await store.currentRevision()))
                        }
                        _ = try await store.create("/churn/\(round)", value: [])
                        for stream in streams {
                            for await message in stream {
                                if case .events = message { break }
                            }
                        }
                        streams.removeAll()
                    }
                }
                group.addTask {
                    for i in 0..<600 { _ = try await store.range(prefix: "/other/\(i % 7)", startAfter: nil, limit: 0, revision: nil) }
                }
                try await group.waitForAll()
            }
        }
    }
}
