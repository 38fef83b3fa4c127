import EtcdProto
import Foundation
import Store
import SwiftProtobuf

/// Writes are transactions that compare before they change: create only when the key has
/// no create revision, compare-and-swap on the mod revision.
extension EtcdStore {
    public func create(_ key: String, value: [UInt8], requiring requirements: [WriteRequirement]) async throws(StoreError) -> KeyValue {
        let etcdKey = keys.encode(key)
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = [Self.compare(etcdKey, .createRevision(0))]
        for requirement in requirements {
            switch requirement {
            case .keyAt(let required, let modRevision):
                // A key that does not exist has mod revision 0 in a compare: a required key
                // that is gone fails like one that changed.
                txn.compare.append(Self.compare(keys.encode(required), .modRevision(modRevision)))
            case .prefixUnchanged(let prefix, let since):
                // A compare over a range holds when it holds for every key in it (and for an
                // empty range): no key there was written after `since`.
                var compare = Self.compare(keys.encode(prefix), .modRevision(since + 1), result: .less)
                compare.rangeEnd = keys.rangeEnd(prefix)
                txn.compare.append(compare)
            }
        }
        if !requirements.isEmpty {
            // On failure, read back what decides which compare failed.
            txn.failure = [Self.get(etcdKey, countOnly: true)] + requirements.map(check)
        }
        txn.success = [Self.put(etcdKey, value, previous: false)]
        let response = try await call("create \(key)") { try await self.connection.txn(txn) }
        guard response.succeeded else {
            if !requirements.isEmpty, response.responses.first?.responseRange.count == 0 {
                let failed = zip(requirements, response.responses.dropFirst()).first { !Self.held($0, $1.responseRange) }
                throw .requirementFailed(key: (failed?.0 ?? requirements[0]).key)
            }
            throw .keyExists(key)
        }
        let revision = response.header.revision
        let created = KeyValue(key: key, value: value, createRevision: revision, modRevision: revision)
        cache.noteWrite(key, created, revision: revision)
        return created
    }

    public func update(_ key: String, value: [UInt8], expectedRevision: Revision?) async throws(StoreError) -> KeyValue {
        let etcdKey = keys.encode(key)
        var txn = Etcdserverpb_TxnRequest()
        if let expectedRevision {
            txn.compare = [Self.compare(etcdKey, .modRevision(expectedRevision))]
        } else {
            txn.compare = [Self.compare(etcdKey, .createRevision(0), result: .greater)]
        }
        // The key's create revision comes from reading its metadata after the put (cheaper
        // than having etcd send the whole previous value back).
        txn.success = [Self.put(etcdKey, value, previous: false), Self.get(etcdKey, keysOnly: true)]
        txn.failure = [Self.get(etcdKey, keysOnly: true)]
        let response = try await call("update \(key)") { try await self.connection.txn(txn) }
        guard response.succeeded else {
            let current = response.responses.first?.responseRange.kvs.first?.modRevision
            if expectedRevision == nil { throw .keyNotFound(key) }
            throw .revisionMismatch(key: key, current: current)
        }
        let metadata = response.responses.last?.responseRange.kvs.first
        let written = KeyValue(key: key, value: value, createRevision: metadata?.createRevision ?? 0, modRevision: response.header.revision)
        cache.noteWrite(key, written, revision: written.modRevision)
        return written
    }

    public func delete(_ key: String, expectedRevision: Revision?) async throws(StoreError) -> KeyValue {
        let etcdKey = keys.encode(key)
        var txn = Etcdserverpb_TxnRequest()
        var deletion = Etcdserverpb_DeleteRangeRequest()
        deletion.key = etcdKey
        deletion.prevKv = true
        if let expectedRevision { txn.compare = [Self.compare(etcdKey, .modRevision(expectedRevision))] }
        txn.success = [.with { $0.request = .requestDeleteRange(deletion) }]
        txn.failure = [Self.get(etcdKey, keysOnly: true)]
        let response = try await call("delete \(key)") { try await self.connection.txn(txn) }
        guard response.succeeded else {
            guard let current = response.responses.first?.responseRange.kvs.first else { throw .keyNotFound(key) }
            throw .revisionMismatch(key: key, current: current.modRevision)
        }
        guard let previous = response.responses.first?.responseDeleteRange.prevKvs.first else { throw .keyNotFound(key) }
        var kv = try keys.decode(previous)
        kv.modRevision = response.header.revision
        cache.noteWrite(key, nil, revision: kv.modRevision)
        return kv
    }

    /// A read of what decides whether `requirement` holds.
    func check(_ requirement: WriteRequirement) -> Etcdserverpb_RequestOp {
        var range = Etcdserverpb_RangeRequest()
        switch requirement {
        case .keyAt(let key, _):
            range.key = keys.encode(key)
            range.keysOnly = true
        case .prefixUnchanged(let prefix, let since):
            range.key = keys.encode(prefix)
            range.rangeEnd = keys.rangeEnd(prefix)
            range.minModRevision = since + 1
            range.countOnly = true
        }
        return .with { $0.request = .requestRange(range) }
    }

    static func held(_ requirement: WriteRequirement, _ read: Etcdserverpb_RangeResponse) -> Bool {
        switch requirement {
        case .keyAt(_, let modRevision): return read.kvs.first?.modRevision ?? 0 == modRevision
        case .prefixUnchanged: return read.count == 0
        }
    }

    static func compare(
        _ key: Data, _ target: Etcdserverpb_Compare.OneOf_TargetUnion, result: Etcdserverpb_Compare.CompareResult = .equal
    ) -> Etcdserverpb_Compare {
        var compare = Etcdserverpb_Compare()
        compare.key = key
        compare.result = result
        compare.targetUnion = target
        switch target {
        case .createRevision: compare.target = .create
        case .modRevision: compare.target = .mod
        case .version: compare.target = .version
        case .value: compare.target = .value
        case .lease: compare.target = .lease
        }
        return compare
    }

    /// A put; with `previous`, etcd answers the value it replaced (an update learns the
    /// key's create revision from it).
    static func put(_ key: Data, _ value: [UInt8], previous: Bool = true) -> Etcdserverpb_RequestOp {
        var put = Etcdserverpb_PutRequest()
        put.key = key
        put.value = Data(value)
        put.prevKv = previous
        return .with { $0.request = .requestPut(put) }
    }

    static func get(_ key: Data, countOnly: Bool = false, keysOnly: Bool = false) -> Etcdserverpb_RequestOp {
        var range = Etcdserverpb_RangeRequest()
        range.key = key
        range.countOnly = countOnly
        range.keysOnly = keysOnly
        return .with { $0.request = .requestRange(range) }
    }
}
