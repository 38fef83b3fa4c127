import Foundation
import KubeAPI
import Store
import StoreEtcd

/// Meridian's etcd store driven directly (no API server, no HTTP in front): the storage
/// path's own cost, for comparing with etcd's gateway and with the API server on etcd.
/// Writes go the way the API server sends them: creates with no requirements, updates and
/// deletes compare-and-swap on the revision the store's cache suggests.
struct EtcdStoreTarget: BenchmarkTarget {
    let store: EtcdStore
    let runner: Task<Void, Never>
    let prefix = "/registry/configmaps/meridian-bench/"

    init(url: String) throws {
        store = try EtcdStore(configuration: EtcdConfiguration(endpoints: try EtcdConfiguration.endpoints(parsing: url)))
        let store = self.store
        runner = Task { try? await store.run() }
    }

    func value(_ name: String, _ payload: String) -> [UInt8] {
        JSONValue.object([
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "namespace": "meridian-bench"],
            "data": ["payload": .string(payload)],
        ]).serialized()
    }

    func prepare() async throws {
        // The first request waits for the connection; the cache lists meanwhile.
        _ = try await store.currentRevision()
    }
    func create(_ name: String, _ payload: String) async throws {
        _ = try await store.create(prefix + name, value: value(name, payload))
    }
    func get(_ name: String) async throws {
        guard try await store.get(prefix + name) != nil else { throw BenchmarkError.unexpected("get \(name): not found") }
    }
    func list() async throws -> Int {
        try await store.range(prefix: prefix, startAfter: nil, limit: 0, revision: nil).items.count
    }
    func update(_ name: String, _ payload: String) async throws {
        try await swap(name) { _ in value(name, payload) }
    }
    func patch(_ name: String) async throws {
        try await swap(name) { old in old + Array(" ".utf8) }
    }
    func delete(_ name: String) async throws {
        for _ in 0..<5 {
            let cached = try await store.cachedGet(prefix + name)
            guard let kv = cached.kv else { throw BenchmarkError.unexpected("delete \(name): not found") }
            do {
                _ = try await store.delete(prefix + name, expectedRevision: kv.modRevision)
                return
            } catch .revisionMismatch {
                continue
            }
        }
        throw BenchmarkError.unexpected("delete \(name): revision kept changing")
    }

    /// An update as the API server makes it: from the cached copy, compare-and-swap on its revision.
    private func swap(_ name: String, _ change: ([UInt8]) -> [UInt8]) async throws {
        for _ in 0..<5 {
            let cached = try await store.cachedGet(prefix + name)
            guard let kv = cached.kv else { throw BenchmarkError.unexpected("update \(name): not found") }
            do {
                _ = try await store.update(prefix + name, value: change(kv.value), expectedRevision: kv.modRevision)
                return
            } catch .revisionMismatch {
                continue
            }
        }
        throw BenchmarkError.unexpected("update \(name): revision kept changing")
    }

    func watchFanOut(watchers: Int, updates: Int) async throws -> JSONValue { .null }

    func shutdown() async {
        await store.close()
        await runner.value
    }
}
