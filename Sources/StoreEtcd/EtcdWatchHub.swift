import EtcdProto
import Foundation
import GRPCCore
import Logging
import Store

/// Every watch of one store over a single etcd Watch stream, as etcd's own client does:
/// watches come and go as create and cancel requests on it, so an API server with many
/// short watches opens no gRPC call for each, and one progress request reaches them all.
///
/// When the stream breaks (etcd restarted, a member went away) it is reopened and every
/// watch re-created from the revision after its last delivered event, so consumers see
/// each event once and in order; compaction past that revision ends a watch with
/// `.failed(.compacted)`.
///
/// Progress notifications do not move a watch's resume point: etcd before 3.4.26/3.5.8 may
/// report progress ahead of events still in flight on the stream (etcd-io/etcd#15220), and
/// resuming from such a revision would skip them. For the same reason progress is passed
/// on only once a watch has caught up with the revision it was created at: an event at or
/// past it arrived, or a second went by (etcd hands a watcher its backlog within ~100 ms).
actor EtcdWatchHub {
    private let connection: EtcdConnection
    private let keys: EtcdKeys
    private let logger: Logger
    private var watchers: [Int64: EtcdWatcher] = [:]
    private var nextID: Int64 = 1
    /// The open stream's request side, nil while reconnecting.
    private var requests: AsyncStream<Etcdserverpb_WatchRequest>.Continuation?
    private var closed = false
    /// Watches whose consumers went away, reported from their streams' termination.
    private let departures: AsyncStream<Int64>
    private nonisolated let departed: AsyncStream<Int64>.Continuation

    init(connection: EtcdConnection, keys: EtcdKeys, logger: Logger) {
        self.connection = connection
        self.keys = keys
        self.logger = logger
        (departures, departed) = AsyncStream.makeStream()
    }

    /// Called when a watch's consumer stops reading (from any context).
    nonisolated func consumerLeft(_ id: Int64) { departed.yield(id) }

    /// Registers a watch of `prefix` from the revision after `after`.
    func add(prefix: String, after: Revision, withPrevious: Bool, output: AsyncStream<WatchMessage>.Continuation) -> Int64? {
        guard !closed else { return nil }
        let id = nextID
        nextID += 1
        var watcher = EtcdWatcher(key: keys.encode(prefix), rangeEnd: keys.rangeEnd(prefix), output: output, lastRevision: after)
        watcher.withPrevious = withPrevious
        watchers[id] = watcher
        requests?.yield(watcher.createRequest(id: id))
        return id
    }

    /// The consumer went away.
    func remove(_ id: Int64) {
        guard watchers.removeValue(forKey: id) != nil else { return }
        requests?.yield(EtcdWatcher.cancelRequest(id: id))
    }

    func requestProgress() {
        requests?.yield(EtcdWatcher.progressRequest)
    }

    /// Ends every watch; `run()` ends when its task is cancelled.
    func close() {
        closed = true
        for watcher in watchers.values { watcher.end(nil) }
        watchers.removeAll()
        requests?.finish()
    }

    /// Keeps the stream open, and cancels watches nobody reads, until the task is cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { for await id in self.departures { await self.remove(id) } }
            await self.keepStreamOpen()
            group.cancelAll()
        }
    }

    private func keepStreamOpen() async {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled && !closed {
            let (stream, requests) = AsyncStream<Etcdserverpb_WatchRequest>.makeStream()
            for (id, watcher) in watchers { requests.yield(watcher.createRequest(id: id)) }
            self.requests = requests
            let opened = ContinuousClock.now
            do {
                try await connection.watch.watch(
                    options: connection.streaming,
                    requestProducer: { writer in
                        for await request in stream { try await writer.write(request) }
                    },
                    onResponse: { response in
                        for try await message in response.messages { await self.handle(message) }
                    })
            } catch {
                if !Task.isCancelled && !closed {
                    logger.debug("etcd watch stream failed; reopening", metadata: ["error": "\(error)"])
                }
            }
            self.requests = nil
            requests.finish()
            if ContinuousClock.now - opened > .seconds(5) { delay = .milliseconds(100) }
            do { try await Task.sleep(for: delay) } catch { return }
            delay = min(delay * 2, .seconds(2))
        }
    }

    private func handle(_ response: Etcdserverpb_WatchResponse) {
        let id = response.watchID
        if id == -1 {
            // A progress notification for the whole stream (etcd 3.4 answers requests so).
            for (id, var watcher) in watchers where watcher.mayReportProgress(response.header.revision) {
                watchers[id] = watcher
                if !watcher.deliver(.progress(response.header.revision)) { remove(id) }
            }
            return
        }
        guard var watcher = watchers[id] else { return }  // cancelled meanwhile
        if response.compactRevision > 0 {
            watchers[id] = nil
            watcher.end(.compacted(requested: watcher.lastRevision, compacted: response.compactRevision))
            return
        }
        if response.canceled {
            logger.info("etcd cancelled a watch; re-creating it", metadata: ["reason": "\(response.cancelReason)"])
            requests?.yield(watcher.createRequest(id: id))
            return
        }
        if response.created {
            watcher.created(at: response.header.revision)
            watchers[id] = watcher
            return
        }
        let message: WatchMessage
        if response.events.isEmpty {
            guard watcher.mayReportProgress(response.header.revision) else {
                watchers[id] = watcher
                return
            }
            message = .progress(response.header.revision)
        } else {
            do {
                let batch = try watcher.fresh(response.events, keys: keys)
                if batch.isEmpty { return }
                message = .events(batch)
            } catch {
                watchers[id] = nil
                watcher.end(error)
                requests?.yield(EtcdWatcher.cancelRequest(id: id))
                return
            }
        }
        watchers[id] = watcher
        if !watcher.deliver(message) { remove(id) }
    }
}
