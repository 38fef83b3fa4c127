import Synchronization

/// The newest value of every live key, kept beside a durable backend so reads at the
/// current revision need neither the backend nor its actor (kube-apiserver's watch cache
/// plays this part). Updated by the owning store after each commit.
public final class CurrentState: Sendable {
    struct Contents {
        var values: [String: KeyValue] = [:]
        /// Keys in byte order, for prefix ranges.
        var keys: [String] = []
        var revision: Revision = 0
    }

    private let contents = Mutex(Contents())

    public init() {}

    public func load(_ items: [KeyValue], revision: Revision) {
        contents.withLock { c in
            c.values = Dictionary(items.map { ($0.key, $0) }, uniquingKeysWith: { _, b in b })
            c.keys = c.values.keys.sorted(by: Self.byteOrder)
            c.revision = revision
        }
    }

    static func byteOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// Index of the first key not ordered before `key`.
    static func lowerBound(_ keys: [String], _ key: String) -> Int {
        var lo = 0
        var hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if byteOrder(keys[mid], key) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Applies committed events in order.
    public func apply(_ events: [StoreEvent], revision: Revision) {
        contents.withLock { c in
            for e in events {
                let key = e.kv.key
                switch e.kind {
                case .put:
                    if c.values.updateValue(e.kv, forKey: key) == nil {
                        c.keys.insert(key, at: Self.lowerBound(c.keys, key))
                    }
                case .delete:
                    if c.values.removeValue(forKey: key) != nil {
                        let i = Self.lowerBound(c.keys, key)
                        if i < c.keys.count && c.keys[i] == key { c.keys.remove(at: i) }
                    }
                }
            }
            c.revision = revision
        }
    }

    public func get(_ key: String) -> KeyValue? {
        contents.withLock { $0.values[key] }
    }

    public var revision: Revision { contents.withLock { $0.revision } }

    /// A range at the current revision, with the protocol's `startAfter`/`limit` rules.
    public func range(prefix: String, startAfter: String?, limit: Int) -> RangeResult {
        contents.withLock { c in
            let end = prefix.prefixEnd
            var start = Self.lowerBound(c.keys, prefix)
            if let startAfter, !Self.byteOrder(startAfter, prefix) {
                start = Self.lowerBound(c.keys, startAfter)
                if start < c.keys.count && c.keys[start] == startAfter { start += 1 }
            }
            let stop = Self.lowerBound(c.keys, end)
            let total = max(0, stop - start)
            let take = limit > 0 ? min(limit, total) : total
            var items: [KeyValue] = []
            items.reserveCapacity(take)
            for i in start..<(start + take) { items.append(c.values[c.keys[i]]!) }
            return RangeResult(items: items, revision: c.revision, more: take < total, count: total)
        }
    }
}
