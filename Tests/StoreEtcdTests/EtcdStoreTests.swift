import Foundation
import Store
import StoreEtcd
import StoreTesting
import Testing

/// Runs `body` with a store on `etcd` (its own key prefix) whose `run()` is going, and
/// closes it afterwards.
/// Requests get 20 s by default: the suites run beside many others on two cores in CI;
/// the fault tests that check failing fast pass their own short timeout.
func withStore<T: Sendable>(
    _ etcd: EtcdCluster, endpoints: String? = nil, buffer: Int = 10_000, prefix: String? = nil, timeout: Duration = .seconds(20),
    _ body: (EtcdStore) async throws -> T
) async throws -> T {
    let configuration = EtcdConfiguration(
        endpoints: try EtcdConfiguration.endpoints(parsing: endpoints ?? etcd.endpoints),
        keyPrefix: prefix ?? "/t-\(UUID().uuidString.prefix(8))",
        tls: etcd.tls.map { .init(caFile: $0.caFile, certFile: $0.certFile, keyFile: $0.keyFile) }, requestTimeout: timeout,
        watchBufferLimit: buffer)
    let store = try EtcdStore(configuration: configuration)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await store.run() }
        do {
            let result = try await body(store)
            await store.close()
            try await group.waitForAll()
            return result
        } catch {
            await store.close()
            group.cancelAll()
            throw error
        }
    }
}

let etcdInstalled = EtcdCluster.binary != nil

/// The shared store suite against a fresh single-member etcd per test (revisions are
/// cluster-wide, and the suite checks exact revisions).
@Suite(.enabled(if: etcdInstalled, "etcd is not installed (apt-get install etcd-server)"), .timeLimit(.minutes(2)))
struct EtcdStoreConformanceTests {
    func conformance(buffer: Int = 10_000, _ check: (EtcdStore) async throws -> Void) async throws {
        let etcd = try await EtcdCluster.start()
        defer { etcd.stopAll() }
        try await withStore(etcd, buffer: buffer) { try await check($0) }
    }

    @Test func crud() async throws { try await conformance { try await StoreConformance.crud($0) } }
    @Test func ranges() async throws { try await conformance { try await StoreConformance.ranges($0) } }
    @Test func watches() async throws { try await conformance { try await StoreConformance.watches($0) } }
    @Test func compaction() async throws { try await conformance { try await StoreConformance.compaction($0) } }
    @Test func requirements() async throws { try await conformance { try await StoreConformance.requirements($0) } }
    @Test func concurrentCAS() async throws { try await conformance { try await StoreConformance.concurrentCAS($0) } }
    /// The suite's CRUD over TLS with a client certificate.
    @Test func crudOverTLS() async throws {
        let etcd = try await EtcdCluster.start(tls: true)
        defer { etcd.stopAll() }
        try await withStore(etcd) { try await StoreConformance.crud($0) }
    }

    @Test func slowWatcher() async throws {
        try await conformance(buffer: 50) { try await StoreConformance.slowWatcherIsCutOff($0, bufferLimit: 50) }
    }
}
