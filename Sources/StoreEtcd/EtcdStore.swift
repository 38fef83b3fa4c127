import EtcdProto
import Foundation
import GRPCCore
import Logging
import ServiceLifecycle
import Store
import SwiftProtobuf

/// The etcd v3 backend. Revisions are etcd's own, so every API server on the same etcd
/// hands out resourceVersions the others accept. `run()` must be running (it owns the
/// gRPC connections and every watch); requests made before it starts wait for it.
public final class EtcdStore: KVStore, Service {
    let connection: EtcdConnection
    let keys: EtcdKeys
    let watchers: EtcdWatchHub
    /// Consistent gets, batched into one request per round trip.
    let reads: EtcdReadBatcher
    /// The watch-fed copy of the prefix that write suggestions come from.
    let cache: EtcdCache
    /// Finished by `close()`: `run()` then stops.
    private let closing: AsyncStream<Never>
    private let closeSignal: AsyncStream<Never>.Continuation
    let logger: Logger
    let bufferLimit: Int

    /// The key kube-apiserver keeps the last compaction in (a decimal revision), shared
    /// with it and with every other API server on the cluster: compaction is cluster-wide.
    static let compactRevisionKey = Data("compact_rev_key".utf8)

    public init(configuration: EtcdConfiguration, logger: Logger = Logger(label: "meridian.store.etcd")) throws(StoreError) {
        connection = try EtcdConnection(configuration)
        keys = EtcdKeys(prefix: configuration.keyPrefix)
        watchers = EtcdWatchHub(connection: connection, keys: keys, logger: logger)
        reads = EtcdReadBatcher(connection: connection)
        cache = EtcdCache(logger: logger, watchBufferLimit: configuration.watchBufferLimit)
        (closing, closeSignal) = AsyncStream.makeStream()
        bufferLimit = configuration.watchBufferLimit
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.connection.run() }
                group.addTask { await self.watchers.run() }
                group.addTask { await self.cache.run(self) }
                for await _ in self.closing {}
                group.cancelAll()
                self.connection.close()
            }
        }
    }

    public func close() async {
        cache.watches.close()
        await watchers.close()
        closeSignal.finish()
    }

    // MARK: Reads

    /// A linearizable read of etcd (batched with concurrent ones, see `EtcdReadBatcher`).
    public func get(_ key: String) async throws(StoreError) -> KeyValue? {
        let kv = try await reads.get(keys.encode(key)).get()
        return try kv.map { kv throws(StoreError) in try keys.decode(kv) }
    }

    /// From the watch-fed cache once it has listed (never current: the cache may lag);
    /// before that, a read of etcd.
    public func cachedGet(_ key: String) async throws(StoreError) -> CachedRead {
        guard cache.isReady, key.hasPrefix(EtcdCache.prefix) else { return CachedRead(kv: try await get(key), isCurrent: true) }
        return CachedRead(kv: cache.get(key), isCurrent: false)
    }

    public func cachedRange(prefix: String) async throws(StoreError) -> CachedRange {
        guard cache.isReady, prefix.hasPrefix(EtcdCache.prefix) else {
            let result = try await range(prefix: prefix, startAfter: nil, limit: 0, revision: nil)
            return CachedRange(items: result.items, revision: result.revision, isCurrent: true)
        }
        let cached = cache.range(prefix: prefix)
        return CachedRange(items: cached.items, revision: cached.revision, isCurrent: false)
    }

    public func range(prefix: String, startAfter: String?, limit: Int, revision: Revision?) async throws(StoreError) -> RangeResult {
        var request = Etcdserverpb_RangeRequest()
        request.key = keys.encode(prefix)
        if let startAfter, !startAfter.utf8.lexicographicallyPrecedes(prefix.utf8) {
            request.key = keys.encode(startAfter) + Data([0])
        }
        request.rangeEnd = keys.rangeEnd(prefix)
        request.limit = Int64(max(0, limit))
        request.revision = revision ?? 0
        let response: Etcdserverpb_RangeResponse
        do {
            response = try await Self.read { try await self.connection.range(request) }
        } catch {
            throw await rangeError(error, requested: revision ?? 0, what: "range \(prefix)")
        }
        var items: [KeyValue] = []
        items.reserveCapacity(response.kvs.count)
        for kv in response.kvs { items.append(try keys.decode(kv)) }
        return RangeResult(items: items, revision: revision ?? response.header.revision, more: response.more, count: Int(response.count))
    }

    /// An out-of-range answer is a compacted or a future revision; which one, the current
    /// state tells.
    func rangeError(_ error: any Error, requested: Revision, what: String) async -> StoreError {
        guard StoreError.isOutOfRange(error) else { return .from(error, what) }
        guard let state = try? await revisions() else { return .from(error, what) }
        if requested > state.current { return .futureRevision(requested: requested, current: state.current) }
        return .compacted(requested: requested, compacted: max(state.compacted, requested + 1))
    }

    /// The current revision and the last compaction recorded in `compact_rev_key`.
    func revisions() async throws(StoreError) -> (current: Revision, compacted: Revision, compactKeyModRevision: Revision) {
        var request = Etcdserverpb_RangeRequest()
        request.key = Self.compactRevisionKey
        let response = try await call("read the compaction revision") {
            try await Self.read { try await self.connection.range(request) }
        }
        let stored = response.kvs.first
        let compacted = stored.flatMap { Revision(String(decoding: $0.value, as: UTF8.self)) } ?? 0
        return (response.header.revision, compacted, stored?.modRevision ?? 0)
    }

    public func currentRevision() async throws(StoreError) -> Revision { try await revisions().current }

    public func compactedRevision() async throws(StoreError) -> Revision { try await revisions().compacted }

    // MARK: Compaction

    public func compact(before target: Revision) async throws(StoreError) {
        let state = try await revisions()
        if target > state.current { throw .futureRevision(requested: target, current: state.current) }
        guard target > state.compacted else { return }
        // Record first (only if nobody else recorded since), then compact: a compaction that
        // failed after being recorded only makes clients re-list earlier than needed.
        var record = Etcdserverpb_TxnRequest()
        var unchanged = Etcdserverpb_Compare()
        unchanged.key = Self.compactRevisionKey
        unchanged.target = .mod
        unchanged.result = .equal
        unchanged.targetUnion = .modRevision(state.compactKeyModRevision)
        record.compare = [unchanged]
        var put = Etcdserverpb_PutRequest()
        put.key = Self.compactRevisionKey
        put.value = Data(String(target).utf8)
        record.success = [.with { $0.request = .requestPut(put) }]
        let recorded = try await call("record compaction") { try await self.connection.txn(record) }
        guard recorded.succeeded else { return }  // another server compacted meanwhile
        var request = Etcdserverpb_CompactionRequest()
        request.revision = target
        do {
            _ = try await connection.compact(request)
        } catch  where StoreError.isOutOfRange(error) {
            return  // already compacted at or past the target
        } catch {
            throw .from(error, "compact")
        }
        logger.debug("compacted", metadata: ["meridian.revision": "\(target)"])
    }

    // MARK: Helpers

    /// Runs one etcd request, mapping its failure to a store error.
    func call<T: Sendable>(_ what: @autoclosure () -> String, _ body: () async throws -> T) async throws(StoreError) -> T {
        do {
            return try await body()
        } catch {
            throw .from(error, what())
        }
    }

    /// Runs a read, once more if the connection it went out on broke (another member, or
    /// the same one reconnected, may answer); writes are not repeated, as they may have
    /// been applied.
    static func read<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RPCError where error.code == .unavailable {
            return try await body()
        }
    }
}

// MARK: Watch

extension EtcdStore {
    /// Served from the cache's watch when its history reaches back to `after` (one etcd
    /// watch for all of them, see `EtcdWatchFanOut`), otherwise by a watch of etcd's own.
    public func watch(prefix: String, after: Revision) async throws(StoreError) -> AsyncStream<WatchMessage> {
        try await checkWatchStart(after)
        if prefix.hasPrefix(EtcdCache.prefix), let stream = cache.watches.watch(prefix: prefix, after: after) { return stream }
        return try await etcdWatch(prefix: prefix, after: after, withPrevious: true)
    }

    /// A watch of etcd's own (the cache follows the store through one without previous values).
    func watch(prefix: String, after: Revision, withPrevious: Bool) async throws(StoreError) -> AsyncStream<WatchMessage> {
        try await checkWatchStart(after)
        return try await etcdWatch(prefix: prefix, after: after, withPrevious: withPrevious)
    }

    /// A watch may start only from a revision etcd still has and has reached.
    private func checkWatchStart(_ after: Revision) async throws(StoreError) {
        let state = try await revisions()
        if after + 1 < state.compacted { throw .compacted(requested: after, compacted: state.compacted) }
        if after > state.current { throw .futureRevision(requested: after, current: state.current) }
    }

    private func etcdWatch(prefix: String, after: Revision, withPrevious: Bool) async throws(StoreError) -> AsyncStream<WatchMessage> {
        let (stream, continuation) = AsyncStream<WatchMessage>.makeStream(bufferingPolicy: .bufferingOldest(bufferLimit + 2))
        guard let id = await watchers.add(prefix: prefix, after: after, withPrevious: withPrevious, output: continuation) else {
            throw .unavailable("the etcd store is closed")
        }
        let hub = watchers
        continuation.onTermination = { _ in hub.consumerLeft(id) }
        return stream
    }

    public func notifyProgress() async {
        await watchers.requestProgress()
    }
}
