import EtcdProto
import Foundation
import Store

/// Maps store keys to etcd keys under a fixed prefix, and etcd's key-values back.
struct EtcdKeys: Sendable {
    let prefix: Data

    init(prefix: String) {
        self.prefix = Data(prefix.utf8)
    }

    func encode(_ key: String) -> Data { prefix + Data(key.utf8) }

    /// The end of the etcd range holding every key that starts with `keyPrefix`.
    func rangeEnd(_ keyPrefix: String) -> Data {
        var bytes = Array(encode(keyPrefix))
        while let last = bytes.last {
            if last < 0xFF {
                bytes[bytes.count - 1] = last + 1
                return Data(bytes)
            }
            bytes.removeLast()
        }
        return Data([0])  // etcd: every key from `key` on
    }

    func key(_ etcdKey: Data) throws(StoreError) -> String {
        guard etcdKey.starts(with: prefix) else {
            throw .corrupt("etcd key \(String(decoding: etcdKey, as: UTF8.self)) is outside the prefix")
        }
        return String(decoding: etcdKey.dropFirst(prefix.count), as: UTF8.self)
    }

    func decode(_ kv: Mvccpb_KeyValue) throws(StoreError) -> KeyValue {
        KeyValue(key: try key(kv.key), value: Array(kv.value), createRevision: kv.createRevision, modRevision: kv.modRevision)
    }

    /// A watch event as the store reports it: a delete carries the last value at the
    /// deleting revision, a put its previous value unless it created the key.
    func event(_ e: Mvccpb_Event) throws(StoreError) -> StoreEvent {
        let previous = e.hasPrevKv ? try decode(e.prevKv) : nil
        switch e.type {
        case .delete:
            let kv = KeyValue(
                key: try key(e.kv.key), value: previous?.value ?? [], createRevision: previous?.createRevision ?? 0,
                modRevision: e.kv.modRevision)
            return StoreEvent(kind: .delete, kv: kv, previous: previous)
        default:
            return StoreEvent(kind: .put, kv: try decode(e.kv), previous: e.kv.version == 1 ? nil : previous)
        }
    }
}
