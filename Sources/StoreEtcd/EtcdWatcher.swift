import EtcdProto
import Foundation
import Store

/// One store watch as the hub tracks it: which keys, where to deliver, and how far it got.
struct EtcdWatcher {
    let key: Data
    let rangeEnd: Data
    let output: AsyncStream<WatchMessage>.Continuation
    /// Whether events carry the value before them (the store cache needs none).
    var withPrevious = true
    /// The revision of the last event delivered (the start revision minus one before any);
    /// a re-created etcd watch starts right after it.
    var lastRevision: Revision
    /// The store revision when etcd created the current watch, and when: progress is only
    /// passed on once the watch has caught up with it (see `EtcdWatchHub`).
    var createdRevision: Revision = 0
    var createdAt = ContinuousClock.now
    var caughtUp = false

    func createRequest(id: Int64) -> Etcdserverpb_WatchRequest {
        var create = Etcdserverpb_WatchCreateRequest()
        create.key = key
        create.rangeEnd = rangeEnd
        create.startRevision = lastRevision + 1
        create.prevKv = withPrevious
        create.progressNotify = true
        create.watchID = id
        var request = Etcdserverpb_WatchRequest()
        request.requestUnion = .createRequest(create)
        return request
    }

    static func cancelRequest(id: Int64) -> Etcdserverpb_WatchRequest {
        var cancel = Etcdserverpb_WatchCancelRequest()
        cancel.watchID = id
        var request = Etcdserverpb_WatchRequest()
        request.requestUnion = .cancelRequest(cancel)
        return request
    }

    static var progressRequest: Etcdserverpb_WatchRequest {
        var request = Etcdserverpb_WatchRequest()
        request.requestUnion = .progressRequest(Etcdserverpb_WatchProgressRequest())
        return request
    }

    mutating func created(at revision: Revision) {
        createdRevision = revision
        createdAt = .now
        caughtUp = lastRevision >= revision
    }

    /// Whether a progress notification may be passed on now.
    mutating func mayReportProgress(_ revision: Revision) -> Bool {
        if !caughtUp && ContinuousClock.now - createdAt > .seconds(1) { caughtUp = true }
        return caughtUp && revision >= lastRevision
    }

    /// Events after the last delivered revision (a re-created watch may repeat none, but
    /// the check costs nothing).
    mutating func fresh(_ events: [Mvccpb_Event], keys: EtcdKeys) throws(StoreError) -> [StoreEvent] {
        var batch: [StoreEvent] = []
        batch.reserveCapacity(events.count)
        for e in events where e.kv.modRevision > lastRevision { batch.append(try keys.event(e)) }
        if let last = batch.last {
            lastRevision = last.revision
            if lastRevision >= createdRevision { caughtUp = true }
        }
        return batch
    }

    /// Hands a message over; false when the watcher is done.
    func deliver(_ message: WatchMessage) -> Bool { output.deliverOrCutOff(message) }

    func end(_ error: StoreError?) {
        if let error { output.yield(.failed(error)) }
        output.finish()
    }
}
