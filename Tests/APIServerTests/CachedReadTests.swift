import KubeAPI
import Logging
import Store
import Testing

@testable import APIServer

/// A store whose cache stops at `freeze()`: `cachedGet` and `cachedRange` then answer from
/// that snapshot, marked not current, while writes and reads go to the real store. A watch
/// cache that has fallen behind another API server's writes, made deterministic.
actor FrozenCacheStore: KVStore {
    let base = MemoryStore()
    private var snapshot: [String: KeyValue]?
    private var snapshotRevision: Revision = 0

    func freeze() async throws {
        let all = try await base.range(prefix: "/", startAfter: nil, limit: 0, revision: nil)
        snapshot = Dictionary(uniqueKeysWithValues: all.items.map { ($0.key, $0) })
        snapshotRevision = all.revision
    }

    func cachedGet(_ key: String) async throws(StoreError) -> CachedRead {
        guard let snapshot else { return CachedRead(kv: try await base.get(key), isCurrent: true) }
        return CachedRead(kv: snapshot[key], isCurrent: false)
    }

    func cachedRange(prefix: String) async throws(StoreError) -> CachedRange {
        guard let snapshot else {
            let all = try await base.range(prefix: prefix, startAfter: nil, limit: 0, revision: nil)
            return CachedRange(items: all.items, revision: all.revision, isCurrent: true)
        }
        let items = snapshot.values.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key }
        return CachedRange(items: items, revision: snapshotRevision, isCurrent: false)
    }

    func get(_ key: String) async throws(StoreError) -> KeyValue? { try await base.get(key) }
    func range(prefix: String, startAfter: String?, limit: Int, revision: Revision?) async throws(StoreError) -> RangeResult {
        try await base.range(prefix: prefix, startAfter: startAfter, limit: limit, revision: revision)
    }
    func create(_ key: String, value: [UInt8], requiring requirements: [WriteRequirement]) async throws(StoreError) -> KeyValue {
        try await base.create(key, value: value, requiring: requirements)
    }
    func update(_ key: String, value: [UInt8], expectedRevision: Revision?) async throws(StoreError) -> KeyValue {
        try await base.update(key, value: value, expectedRevision: expectedRevision)
    }
    func delete(_ key: String, expectedRevision: Revision?) async throws(StoreError) -> KeyValue {
        try await base.delete(key, expectedRevision: expectedRevision)
    }
    func currentRevision() async throws(StoreError) -> Revision { try await base.currentRevision() }
    func compactedRevision() async throws(StoreError) -> Revision { try await base.compactedRevision() }
    func watch(prefix: String, after: Revision) async throws(StoreError) -> AsyncStream<WatchMessage> {
        try await base.watch(prefix: prefix, after: after)
    }
    func compact(before revision: Revision) async throws(StoreError) { try await base.compact(before: revision) }
    func notifyProgress() async { await base.notifyProgress() }
    func close() async { await base.close() }
}

/// RESTStorage on a cache that lags (the etcd store's): whatever the stale copy would
/// decide without writing (a conflict, a no-op, a refused create) is decided again on the
/// store, so the answers are those of a store without a cache.
@Suite struct CachedReadTests {
    let store = FrozenCacheStore()
    var storage: RESTStorage { RESTStorage(store: store, schemas: .kubernetes, logger: Logger(label: "test")) }

    static func configMap(_ name: String, _ value: String, resourceVersion: Revision? = nil) -> JSONValue {
        var object: JSONValue = [
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)], "data": ["k": .string(value)],
        ]
        if let resourceVersion { object["metadata"]["resourceVersion"] = .string(String(resourceVersion)) }
        return object
    }

    static func revision(_ object: JSONValue) -> Revision { Revision(object["metadata"]["resourceVersion"].stringValue ?? "") ?? 0 }

    func createConfigMap(_ name: String, _ value: String) async throws(StatusError) -> JSONValue {
        let admission = Admission(storage: storage, def: CoreKinds.configMaps)
        return try await storage.create(CoreKinds.configMaps, namespace: "team", body: Self.configMap(name, value), options: WriteOptions())
        {
            (o: inout JSONValue, fresh: Bool) throws(StatusError) in
            try await admission.admitCreate(&o, fresh: fresh)
        }
    }

    func put(_ name: String, _ body: JSONValue) async throws(StatusError) -> JSONValue {
        try await storage.update(CoreKinds.configMaps, namespace: "team", name: name, subresource: nil, options: WriteOptions()) {
            _ throws(StatusError) in body
        }
    }

    /// Creating ConfigMap `name` is forbidden and stores nothing.
    func expectRefused(_ name: String, because what: String) async throws {
        do {
            _ = try await createConfigMap(name, "1")
            Issue.record("\(what) succeeded")
        } catch {
            #expect(error.code == 403, "\(what)")
        }
        #expect(try await store.get("/registry/configmaps/team/\(name)") == nil)
    }

    func makeNamespace() async throws {
        let ns: JSONValue = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "team"]]
        _ = try await storage.create(CoreKinds.namespaces, namespace: nil, body: ns, options: WriteOptions())
    }

    @Test func updatesAndDeletesAreDecidedOnTheStoreWhenTheCacheIsBehind() async throws {
        try await makeNamespace()
        let first = try await createConfigMap("x", "1")
        try await store.freeze()
        let second = try await put("x", Self.configMap("x", "2"))
        #expect(Self.revision(second) > Self.revision(first))

        // The client names the latest resourceVersion; the cache still has the first.
        let third = try await put("x", Self.configMap("x", "3", resourceVersion: Self.revision(second)))
        #expect(third["data"]["k"] == "3")
        // A stale resourceVersion is still refused.
        do {
            _ = try await put("x", Self.configMap("x", "4", resourceVersion: Self.revision(first)))
            Issue.record("an update with a stale resourceVersion succeeded")
        } catch {
            #expect(error.code == 409)
        }
        // What the cache holds ("1") is a change on the store ("3"): written, not a no-op.
        let back = try await put("x", Self.configMap("x", "1"))
        #expect(back["data"]["k"] == "1" && Self.revision(back) > Self.revision(third))
        #expect(try await storage.get(CoreKinds.configMaps, namespace: "team", name: "x")["data"]["k"] == "1")

        // A delete preconditioned on the latest resourceVersion.
        var options = DeleteOptions()
        options.preconditionResourceVersion = String(Self.revision(back))
        let deleted = try await storage.delete(CoreKinds.configMaps, namespace: "team", name: "x", options: options)
        #expect(deleted.removed)
        #expect(try await store.get("/registry/configmaps/team/x") == nil)
    }

    @Test func createsRespectANamespaceAndQuotasTheCacheDoesNotKnow() async throws {
        try await makeNamespace()
        _ = try await createConfigMap("a", "1")
        try await store.freeze()

        // A quota the cache has not seen: the create's requirement fails, the real check refuses.
        let quota: JSONValue = [
            "apiVersion": "v1", "kind": "ResourceQuota", "metadata": ["name": "one"], "spec": ["hard": ["count/configmaps": "1"]],
        ]
        _ = try await storage.create(CoreKinds.resourceQuotas, namespace: "team", body: quota, options: WriteOptions())
        try await expectRefused("b", because: "a create past a quota the cache did not know")

        // The namespace is terminating on the store, active in the cache.
        let marked = try await storage.delete(CoreKinds.namespaces, namespace: nil, name: "team", options: DeleteOptions())
        #expect(!marked.removed)
        try await expectRefused("c", because: "a create in a terminating namespace")
    }
}
