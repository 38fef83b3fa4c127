import Synchronization

/// Encoded responses of one snapshot, keyed by the query's bytes after its ID (flags,
/// question, OPT) and the transport: the same query against the same snapshot gets the
/// same answer, so a repeat costs a lookup and a copy with the new ID patched in. Bounded;
/// a new snapshot starts with an empty cache.
final class ResponseCache: Sendable {
    struct Key: Hashable, Sendable {
        var tcp: Bool
        var query: ArraySlice<UInt8>
    }

    static let capacity = 16_384
    /// Queries longer than this (rare: options, TSIG) are not cached.
    static let maxQueryLength = 300

    private let entries = Mutex<[Key: [[UInt8]]]>([:])

    func lookup(_ query: [UInt8], tcp: Bool) -> [[UInt8]]? {
        guard query.count >= 12, query.count <= Self.maxQueryLength else { return nil }
        let key = Key(tcp: tcp, query: query[2...])
        guard let cached = entries.withLock({ $0[key] }) else { return nil }
        return cached.map { response in
            var copy = response
            copy[0] = query[0]
            copy[1] = query[1]
            return copy
        }
    }

    func store(_ query: [UInt8], tcp: Bool, _ responses: [[UInt8]]) {
        guard query.count >= 12, query.count <= Self.maxQueryLength, responses.count == 1 else { return }
        let key = Key(tcp: tcp, query: query[2...])
        entries.withLock { all in
            if all.count < Self.capacity { all[key] = responses }
        }
    }
}
