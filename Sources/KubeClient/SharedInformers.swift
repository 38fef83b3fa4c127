import Logging
import Synchronization

/// One informer per resource type, shared by every controller that reads it (one cache
/// and one watch per type, as client-go's shared informer factory). Ask for informers
/// while assembling, then `run()` runs them all.
public final class SharedInformers: Sendable {
    public let client: KubeClient
    let logger: Logger
    let resyncPeriod: Duration?
    private let informers = Mutex<[ResourceType: Informer]>([:])

    public init(client: KubeClient, resyncPeriod: Duration? = nil, logger: Logger) {
        self.client = client
        self.resyncPeriod = resyncPeriod
        self.logger = logger
    }

    public func informer(for type: ResourceType) -> Informer {
        informers.withLock { all in
            if let existing = all[type] { return existing }
            let informer = Informer(client: client, type: type, resyncPeriod: resyncPeriod, logger: logger)
            all[type] = informer
            return informer
        }
    }

    /// Every informer created so far.
    public var all: [Informer] { informers.withLock { Array($0.values) } }

    /// Runs every informer until cancelled.
    public func run() async {
        let all = self.all
        await withDiscardingTaskGroup { group in
            for informer in all { group.addTask { await informer.run() } }
        }
    }

    /// Waits until every informer has its first list.
    public func waitForSync() async -> Bool {
        for informer in all where !(await informer.waitForSync()) { return false }
        return true
    }
}
