import EtcdProto
import Foundation
import GRPCCore
import Logging
import Store

/// One store watch carried by an etcd Watch stream. The stream is reopened after etcd
/// restarts or a member goes away, from the revision after the last delivered event, so
/// the consumer sees every event once and in order; compaction past that revision ends
/// the watch with `.failed(.compacted)`.
///
/// Progress notifications do not move the resume point: etcd before 3.4.26/3.5.8 may
/// report progress ahead of events still in flight on the same stream (etcd-io/etcd#15220),
/// and resuming from such a revision would skip them. For the same reason progress is
/// passed on only once the watch has caught up with the revision it was created at: an
/// event at or past it arrived, or a second went by (etcd hands a watcher its backlog
/// within about 100 ms).
actor EtcdWatch {
    let id: Int
    private let connection: EtcdConnection
    private let keys: EtcdKeys
    private let registry: EtcdWatchRegistry
    private let logger: Logger
    private let etcdKey: Data
    private let etcdRangeEnd: Data
    private let output: AsyncStream<WatchMessage>.Continuation
    private let consumerGone: AsyncStream<Never>
    private nonisolated let consumerGoneSignal: AsyncStream<Never>.Continuation

    /// The revision of the last event delivered (the start revision minus one before any).
    private var lastRevision: Revision
    /// The store revision when the current stream was created: progress is only reported
    /// once the watch has caught up with it.
    private var createdRevision: Revision = 0
    private var createdAt = ContinuousClock.now
    private var caughtUp = false
    private var connected = false
    private var finished = false

    init(
        id: Int, prefix: String, after: Revision, connection: EtcdConnection, keys: EtcdKeys, registry: EtcdWatchRegistry,
        output: AsyncStream<WatchMessage>.Continuation, logger: Logger
    ) {
        self.id = id
        self.connection = connection
        self.keys = keys
        self.registry = registry
        self.logger = logger
        self.output = output
        self.etcdKey = keys.encode(prefix)
        self.etcdRangeEnd = keys.rangeEnd(prefix)
        self.lastRevision = after
        (consumerGone, consumerGoneSignal) = AsyncStream.makeStream()
    }

    /// The consumer stopped reading: `run()` ends.
    nonisolated func cancel() { consumerGoneSignal.finish() }

    /// Runs until the watch fails for good, the consumer goes away or the task is cancelled.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.pump() }
            group.addTask { for await _ in self.consumerGone {} }
            await group.next()
            group.cancelAll()
        }
        end(nil)
    }

    private func pump() async {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled && !finished {
            let (requests, requester) = AsyncStream<Void>.makeStream()
            registry.register(id, requester)
            connected = false
            let create = createRequest()
            do {
                try await connection.watch.watch(
                    options: .defaults,
                    requestProducer: { writer in
                        try await writer.write(create)
                        for await _ in requests {
                            var progress = Etcdserverpb_WatchRequest()
                            progress.requestUnion = .progressRequest(Etcdserverpb_WatchProgressRequest())
                            try await writer.write(progress)
                        }
                    },
                    onResponse: { response in
                        for try await message in response.messages {
                            guard await self.handle(message) else { return }
                        }
                    })
            } catch {
                if !Task.isCancelled {
                    logger.debug("etcd watch stream failed", metadata: ["meridian.revision": "\(lastRevision)", "error": "\(error)"])
                }
            }
            registry.unregister(id)
            requester.finish()
            if finished || Task.isCancelled { return }
            if connected { delay = .milliseconds(100) }
            do { try await Task.sleep(for: delay) } catch { return }
            delay = min(delay * 2, .seconds(2))
        }
    }

    private func createRequest() -> Etcdserverpb_WatchRequest {
        var create = Etcdserverpb_WatchCreateRequest()
        create.key = etcdKey
        create.rangeEnd = etcdRangeEnd
        create.startRevision = lastRevision + 1
        create.prevKv = true
        create.progressNotify = true
        var request = Etcdserverpb_WatchRequest()
        request.requestUnion = .createRequest(create)
        return request
    }

    /// Handles one response; false ends this stream (reconnect unless finished).
    private func handle(_ response: Etcdserverpb_WatchResponse) -> Bool {
        if finished { return false }
        if response.compactRevision > 0 {
            end(.compacted(requested: lastRevision, compacted: response.compactRevision))
            return false
        }
        if response.canceled {
            logger.info("etcd cancelled a watch; reopening", metadata: ["reason": "\(response.cancelReason)"])
            return false
        }
        if response.created {
            connected = true
            createdRevision = response.header.revision
            createdAt = .now
            caughtUp = lastRevision >= createdRevision
            return true
        }
        if response.events.isEmpty {
            let revision = response.header.revision
            if !caughtUp && ContinuousClock.now - createdAt > .seconds(1) { caughtUp = true }
            if caughtUp && revision >= lastRevision { deliver(.progress(revision)) }
            return !finished
        }
        var batch: [StoreEvent] = []
        batch.reserveCapacity(response.events.count)
        for e in response.events where e.kv.modRevision > lastRevision {
            do {
                batch.append(try keys.event(e))
            } catch {
                end(error)
                return false
            }
        }
        guard let last = batch.last else { return true }
        lastRevision = last.revision
        if lastRevision >= createdRevision { caughtUp = true }
        deliver(.events(batch))
        return !finished
    }

    /// Hands a message to the consumer; one who stops reading is cut off, as the SQLite
    /// store does, rather than buffering without bound.
    private func deliver(_ message: WatchMessage) {
        switch output.yield(message) {
        case .enqueued(let remaining) where remaining <= 1:
            end(.unavailable("watcher fell behind; re-list required"))
        case .enqueued: break
        case .dropped, .terminated: end(nil)
        @unknown default: end(nil)
        }
    }

    private func end(_ error: StoreError?) {
        guard !finished else { return }
        finished = true
        if let error { output.yield(.failed(error)) }
        output.finish()
    }
}
