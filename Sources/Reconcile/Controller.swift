import KubeClient
import Logging
import Metrics
import ServiceLifecycle

/// Runs a reconciler over a work queue: waits for its informers to sync, then runs
/// `workers` workers. `finish` alone decides forget, retry with backoff, or requeue.
public struct Controller<R: Reconciler>: Service {
    public let name: String
    public let reconciler: R
    public let queue: WorkQueue<R.Key>
    let informers: [Informer]
    let workers: Int
    let logger: Logger
    let reconcileTimer: Timer
    let errorCounter: Counter
    let depthGauge: Gauge

    public init(
        name: String, reconciler: R, queue: WorkQueue<R.Key> = WorkQueue(), informers: [Informer], workers: Int = 2, logger: Logger
    ) {
        self.name = name
        self.reconciler = reconciler
        self.queue = queue
        self.informers = informers
        self.workers = workers
        var logger = logger
        logger[metadataKey: "meridian.controller"] = "\(name)"
        self.logger = logger
        let dimensions = [("controller", name)]
        reconcileTimer = Timer(label: "meridian_reconcile_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        errorCounter = Counter(label: "meridian_reconcile_errors_total", dimensions: dimensions)
        depthGauge = Gauge(label: "meridian_workqueue_depth", dimensions: dimensions)
    }

    /// Runs until cancelled or graceful shutdown. Informers are run by their owner.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskCancellationHandler {
                await self.runWorkers()
            } onCancel: {
                queue.shutDown()
            }
        }
    }

    private func runWorkers() async {
        for informer in informers {
            guard await informer.waitForSync() else { return }
        }
        logger.debug("caches synced, starting workers")
        await withDiscardingTaskGroup { group in
            group.addTask { await queue.runTimers() }
            for _ in 0..<workers {
                group.addTask {
                    while let key = await queue.next() {
                        await process(key)
                    }
                }
            }
        }
    }

    private func process(_ key: R.Key) async {
        let start = ContinuousClock.now
        defer {
            queue.done(key)
            depthGauge.record(queue.depth)
        }
        do {
            let result = try await reconciler.reconcile(key, logger: logger)
            queue.forget(key)
            if case .requeue(let after) = result { queue.add(key, after: after) }
        } catch {
            if Task.isCancelled { return }
            errorCounter.increment()
            let failures = queue.failures(of: key) + 1
            let level: Logger.Level = failures > 5 ? .warning : .debug
            logger.log(level: level, "reconcile failed, will retry", metadata: ["meridian.key": "\(key)", "error": "\(error)"])
            queue.addRateLimited(key)
        }
        reconcileTimer.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
    }
}

extension Duration {
    /// Whole nanoseconds, for swift-metrics timers.
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
