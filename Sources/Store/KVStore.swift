/// The store's single, monotonically increasing revision (etcd's semantics).
public typealias Revision = Int64

/// One key at one revision.
public struct KeyValue: Sendable, Hashable {
    public var key: String
    public var value: [UInt8]
    /// Revision at which the key was (last) created.
    public var createRevision: Revision
    /// Revision of the write that produced this value; it becomes `resourceVersion`.
    public var modRevision: Revision

    public init(key: String, value: [UInt8], createRevision: Revision, modRevision: Revision) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
    }
}

/// A change, as watchers see it.
public struct StoreEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case put, delete }
    public var kind: Kind
    /// For a put, the new value; for a delete, the key with the deleting revision as
    /// `modRevision` and the last value.
    public var kv: KeyValue
    /// The value before this change (nil when the put created the key).
    public var previous: KeyValue?

    public init(kind: Kind, kv: KeyValue, previous: KeyValue?) {
        self.kind = kind
        self.kv = kv
        self.previous = previous
    }
    public var revision: Revision { kv.modRevision }
    public var isCreate: Bool { kind == .put && previous == nil }
}

public struct RangeResult: Sendable {
    public var items: [KeyValue]
    /// The revision the range was read at.
    public var revision: Revision
    /// Whether keys beyond `items` matched (the limit cut the result).
    public var more: Bool
    /// How many keys matched after `startKey` in all (for `remainingItemCount`).
    public var count: Int

    public init(items: [KeyValue], revision: Revision, more: Bool, count: Int) {
        self.items = items
        self.revision = revision
        self.more = more
        self.count = count
    }
}

/// Something a create depends on without changing it: the create commits only while it
/// still holds, else fails with `requirementFailed` and writes nothing. Makes a check made
/// on a possibly stale read (a namespace that must exist, a namespace without quotas)
/// exact.
public enum WriteRequirement: Sendable, Hashable {
    /// `key` is still at `modRevision` (not changed, deleted or re-created since).
    case keyAt(String, modRevision: Revision)
    /// No key under `prefix` was created or changed after `revision` (deletions may or may
    /// not count: a check that only an added or changed key can upset).
    case prefixUnchanged(String, since: Revision)

    /// The key or prefix it is about.
    public var key: String {
        switch self {
        case .keyAt(let key, _), .prefixUnchanged(let key, _): return key
        }
    }
}

/// Keys under a prefix as a watch-fed cache has them (see `CachedRead`).
public struct CachedRange: Sendable, Hashable {
    public var items: [KeyValue]
    /// The revision the cache had caught up with when it answered.
    public var revision: Revision
    public var isCurrent: Bool

    public init(items: [KeyValue], revision: Revision, isCurrent: Bool) {
        self.items = items
        self.revision = revision
        self.isCurrent = isCurrent
    }
}

/// A read that did not necessarily ask the backend.
public struct CachedRead: Sendable, Hashable {
    public var kv: KeyValue?
    /// True when `kv` is the key's state now (the store's own current state, or a read of
    /// the backend); false when it came from a watch-fed cache that may lag behind: good as
    /// the expected revision of a compare-and-swap, or for reads that accept staleness
    /// (resourceVersion "0"), and to be confirmed by `get` before a decision that rejects.
    public var isCurrent: Bool

    public init(kv: KeyValue?, isCurrent: Bool) {
        self.kv = kv
        self.isCurrent = isCurrent
    }
}

public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    case keyExists(String)
    case keyNotFound(String)
    /// A compare-and-swap lost: the key is now at `current` (nil: deleted).
    case revisionMismatch(key: String, current: Revision?)
    /// A `WriteRequirement` did not hold (`key` names one that failed); nothing was written.
    case requirementFailed(key: String)
    /// The requested revision was compacted away; the oldest retained is `compacted`.
    case compacted(requested: Revision, compacted: Revision)
    case futureRevision(requested: Revision, current: Revision)
    /// The backend cannot be reached (etcd down, disk gone): the API answers 503/504.
    case unavailable(String)
    case timeout(String)
    case corrupt(String)

    public var description: String {
        switch self {
        case .keyExists(let k): return "key \(k) already exists"
        case .keyNotFound(let k): return "key \(k) not found"
        case .revisionMismatch(let k, let current):
            return "key \(k) is at revision \(current.map(String.init) ?? "none"), not the expected one"
        case .requirementFailed(let k): return "key \(k) changed since it was checked"
        case .compacted(let requested, let compacted): return "revision \(requested) is compacted (oldest kept: \(compacted))"
        case .futureRevision(let requested, let current): return "revision \(requested) is newer than the store (\(current))"
        case .unavailable(let m): return m
        case .timeout(let m): return "timed out: \(m)"
        case .corrupt(let m): return "corrupt data: \(m)"
        }
    }
}

/// What a watch stream carries: batches of events in revision order, then possibly an end.
public enum WatchMessage: Sendable, Hashable {
    case events([StoreEvent])
    /// Nothing changed under the prefix up to this revision (etcd's progress notify).
    case progress(Revision)
    /// The watch ended and cannot continue from here: the client must re-list.
    case failed(StoreError)
}

/// The storage protocol every backend implements (SQLite embedded, etcd). Keys are
/// `/`-separated paths; ranges are by prefix in byte order.
public protocol KVStore: Sendable {
    func get(_ key: String) async throws(StoreError) -> KeyValue?
    /// Keys with `prefix`, strictly after `startAfter`, in key order, at `revision`
    /// (nil: now). `limit` 0 means no limit.
    func range(prefix: String, startAfter: String?, limit: Int, revision: Revision?) async throws(StoreError) -> RangeResult
    /// Creates `key`, only while every requirement holds.
    func create(_ key: String, value: [UInt8], requiring requirements: [WriteRequirement]) async throws(StoreError) -> KeyValue
    /// The key without necessarily asking the backend (see `CachedRead`).
    func cachedGet(_ key: String) async throws(StoreError) -> CachedRead
    /// Every key under `prefix` without necessarily asking the backend.
    func cachedRange(prefix: String) async throws(StoreError) -> CachedRange
    /// Replaces the value; with `expectedRevision`, only if the key is still at it.
    func update(_ key: String, value: [UInt8], expectedRevision: Revision?) async throws(StoreError) -> KeyValue
    /// Returns the deleted value with the deleting revision as `modRevision`.
    func delete(_ key: String, expectedRevision: Revision?) async throws(StoreError) -> KeyValue
    func currentRevision() async throws(StoreError) -> Revision
    /// The oldest revision watches and ranges can still start from.
    func compactedRevision() async throws(StoreError) -> Revision
    /// Events under `prefix` with revision greater than `after`, in order, then live ones.
    func watch(prefix: String, after: Revision) async throws(StoreError) -> AsyncStream<WatchMessage>
    /// Forgets history before `revision`.
    func compact(before revision: Revision) async throws(StoreError)
    /// Sends every watcher a `.progress` with the current revision, in order with its
    /// events (what watch bookmarks are made from).
    func notifyProgress() async
    func close() async
}

extension KVStore {
    public func create(_ key: String, value: [UInt8]) async throws(StoreError) -> KeyValue {
        try await create(key, value: value, requiring: [])
    }

    /// Stores whose reads are always current (they keep the current state themselves).
    public func cachedGet(_ key: String) async throws(StoreError) -> CachedRead {
        CachedRead(kv: try await get(key), isCurrent: true)
    }

    public func cachedRange(prefix: String) async throws(StoreError) -> CachedRange {
        let result = try await range(prefix: prefix, startAfter: nil, limit: 0, revision: nil)
        return CachedRange(items: result.items, revision: result.revision, isCurrent: true)
    }
}

extension String {
    /// The smallest string greater than every string with this prefix.
    public var prefixEnd: String {
        var bytes = Array(self.utf8)
        while let last = bytes.last {
            if last < 0xFF {
                bytes[bytes.count - 1] = last + 1
                return String(decoding: bytes, as: UTF8.self)
            }
            bytes.removeLast()
        }
        return "\u{10FFFF}"
    }
}
