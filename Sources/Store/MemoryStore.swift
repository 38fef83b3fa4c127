/// An in-memory store with full history: the reference implementation of the protocol,
/// used by unit tests. Nothing survives the process.
public actor MemoryStore: KVStore {
    private var current: [String: KeyValue] = [:]
    private var log: [StoreEvent] = []
    private var revision: Revision = 1
    private var compactRevision: Revision = 0
    private let hub: WatchHub

    public init(watchBufferLimit: Int = 10_000) {
        hub = WatchHub(bufferLimit: watchBufferLimit)
    }

    public func get(_ key: String) throws(StoreError) -> KeyValue? { current[key] }

    public func range(prefix: String, startAfter: String?, limit: Int, revision at: Revision?) throws(StoreError) -> RangeResult {
        let readRevision = at ?? revision
        if readRevision > revision { throw .futureRevision(requested: readRevision, current: revision) }
        if readRevision < compactRevision { throw .compacted(requested: readRevision, compacted: compactRevision) }
        var state: [String: KeyValue]
        if readRevision == revision {
            state = current
        } else {
            state = current
            // Undo every change after the read revision, newest first.
            for event in log.reversed() where event.revision > readRevision {
                if let prev = event.previous { state[event.kv.key] = prev } else { state.removeValue(forKey: event.kv.key) }
            }
        }
        let keys = state.keys.filter { $0.hasPrefix(prefix) && (startAfter == nil || $0 > startAfter!) }.sorted()
        let taken = limit > 0 ? Array(keys.prefix(limit)) : keys
        return RangeResult(items: taken.map { state[$0]! }, revision: readRevision, more: taken.count < keys.count, count: keys.count)
    }

    public func create(_ key: String, value: [UInt8], requiring requirements: [WriteRequirement]) throws(StoreError) -> KeyValue {
        if current[key] != nil { throw .keyExists(key) }
        for requirement in requirements {
            let holds: Bool
            switch requirement {
            case .keyAt(let key, let modRevision): holds = current[key]?.modRevision == modRevision
            case .prefixUnchanged(let prefix, let since):
                holds = !current.values.contains { $0.key.hasPrefix(prefix) && $0.modRevision > since }
            }
            if !holds { throw .requirementFailed(key: requirement.key) }
        }
        revision += 1
        let kv = KeyValue(key: key, value: value, createRevision: revision, modRevision: revision)
        commit(StoreEvent(kind: .put, kv: kv, previous: nil))
        return kv
    }

    public func update(_ key: String, value: [UInt8], expectedRevision: Revision?) throws(StoreError) -> KeyValue {
        guard let old = current[key] else {
            if expectedRevision != nil { throw .revisionMismatch(key: key, current: nil) }
            throw .keyNotFound(key)
        }
        if let expectedRevision, expectedRevision != old.modRevision {
            throw .revisionMismatch(key: key, current: old.modRevision)
        }
        revision += 1
        let kv = KeyValue(key: key, value: value, createRevision: old.createRevision, modRevision: revision)
        commit(StoreEvent(kind: .put, kv: kv, previous: old))
        return kv
    }

    public func delete(_ key: String, expectedRevision: Revision?) throws(StoreError) -> KeyValue {
        guard let old = current[key] else { throw .keyNotFound(key) }
        if let expectedRevision, expectedRevision != old.modRevision {
            throw .revisionMismatch(key: key, current: old.modRevision)
        }
        revision += 1
        var kv = old
        kv.modRevision = revision
        commit(StoreEvent(kind: .delete, kv: kv, previous: old))
        return kv
    }

    private func commit(_ event: StoreEvent) {
        if event.kind == .delete { current.removeValue(forKey: event.kv.key) } else { current[event.kv.key] = event.kv }
        log.append(event)
        hub.publish([event])
    }

    public func currentRevision() -> Revision { revision }
    public func notifyProgress() { hub.progress(revision) }
    public func compactedRevision() -> Revision { compactRevision }

    public func watch(prefix: String, after: Revision) throws(StoreError) -> AsyncStream<WatchMessage> {
        if after + 1 < compactRevision { throw .compacted(requested: after, compacted: compactRevision) }
        let backlog = log.filter { $0.revision > after && $0.kv.key.hasPrefix(prefix) }
        return hub.subscribe(prefix: prefix, backlog: backlog)
    }

    public func compact(before target: Revision) throws(StoreError) {
        if target > revision { throw .futureRevision(requested: target, current: revision) }
        guard target > compactRevision else { return }
        log.removeAll { $0.revision < target }
        compactRevision = target
    }

    public func close() {
        hub.finishAll()
    }
}
