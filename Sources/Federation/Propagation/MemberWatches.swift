import FederationAPI
import KubeAPI
import KubeClient
import Logging
import ServiceLifecycle
import Synchronization

/// Watches of every member's managed copies (label `federation.meridian.dev/managed=true`),
/// so a copy changed or deleted in a member is noticed at once and put back. One set of
/// informers per member client; a new client (credentials or endpoint changed, member
/// back from Offline) replaces the old watches.
public final class MemberWatches: Service, Sendable {
    enum Request: Sendable {
        case watch(cluster: String, client: KubeClient, generation: Int)
        case stop(cluster: String)
    }

    private let requests: AsyncStream<Request>
    private let continuation: AsyncStream<Request>.Continuation
    private let watched = Mutex<[String: (client: KubeClient, generation: Int)]>([:])
    private let nextGeneration = Mutex(0)
    /// The current informers of each member, for `cachedKeys(cluster:)`.
    private let informers = Mutex<[String: [(ResourceType, Informer)]]>([:])
    private let types: Mutex<[ResourceType]>
    let onChange: @Sendable (_ cluster: String, _ type: ResourceType, _ event: InformerEvent) -> Void
    let logger: Logger

    public init(
        types: [ResourceType], logger: Logger,
        onChange: @escaping @Sendable (_ cluster: String, _ type: ResourceType, _ event: InformerEvent) -> Void
    ) {
        (requests, continuation) = AsyncStream<Request>.makeStream()
        self.types = Mutex(types)
        self.onChange = onChange
        self.logger = logger
    }

    /// Makes sure `cluster`'s copies are watched through `client` (a no-op if they are).
    public func ensure(cluster: String, client: KubeClient) {
        let id = ObjectIdentifier(client.transport)
        let generation: Int? = watched.withLock { all in
            if let current = all[cluster], ObjectIdentifier(current.client.transport) == id { return nil }
            let next = bumpGeneration()
            all[cluster] = (client, next)
            return next
        }
        if let generation { continuation.yield(.watch(cluster: cluster, client: client, generation: generation)) }
    }

    /// Watches these types from now on: every member's watches start over with them.
    public func setTypes(_ newTypes: [ResourceType]) {
        types.withLock { $0 = newTypes }
        let restarts = watched.withLock { all in
            all.keys.map { cluster in
                let next = bumpGeneration()
                all[cluster]!.generation = next
                return (cluster, all[cluster]!.client, next)
            }
        }
        for (cluster, client, generation) in restarts {
            continuation.yield(.watch(cluster: cluster, client: client, generation: generation))
        }
    }

    private func bumpGeneration() -> Int {
        nextGeneration.withLock { value in
            value += 1
            return value
        }
    }

    public func stop(cluster: String) {
        informers.withLock { $0[cluster] = nil }
        if watched.withLock({ $0.removeValue(forKey: cluster) }) != nil { continuation.yield(.stop(cluster: cluster)) }
    }

    /// Every managed copy last seen in `cluster`: after a member comes back, these are
    /// checked again, so copies of objects deleted meanwhile are cleaned up.
    public func cachedKeys(cluster: String) async -> [(ResourceType, ObjectKey)] {
        var keys: [(ResourceType, ObjectKey)] = []
        for (type, informer) in informers.withLock({ $0[cluster] ?? [] }) {
            keys += await informer.keys().map { (type, $0) }
        }
        return keys
    }

    /// A member's managed copy as its watch last saw it: nil when that watch has no
    /// complete picture yet (or the type is not watched), `.some(nil)` when the member has
    /// no managed copy of that name (it may still hold an object Meridian did not make).
    public func cachedCopy(cluster: String, type: ResourceType, key: ObjectKey) async -> JSONValue?? {
        guard let informer = informers.withLock({ $0[cluster]?.first { $0.0 == type }?.1 }), await informer.hasSynced else {
            return nil
        }
        return .some(await informer.get(namespace: key.namespace, name: key.name))
    }

    private func current(_ cluster: String, generation: Int) -> Bool {
        watched.withLock { $0[cluster]?.generation == generation }
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for await request in requests.cancelOnGracefulShutdown() {
                guard case .watch(let cluster, let client, let generation) = request else { continue }
                let started = types.withLock { $0 }.map { type in
                    (
                        type,
                        // Every member's copy of everything: kept as JSON, parsed when read.
                        Informer(
                            client: client, type: type, labelSelector: "\(Federation.managedLabel)=true", compactCache: true,
                            logger: logger)
                    )
                }
                informers.withLock { $0[cluster] = started }
                for (type, informer) in started {
                    informer.addHandler { [onChange] event in onChange(cluster, type, event) }
                    group.addTask { [weak self] in
                        // Runs until this generation is replaced or stopped.
                        await withTaskGroup(of: Void.self) { inner in
                            inner.addTask { await informer.run() }
                            inner.addTask {
                                while let self, self.current(cluster, generation: generation) {
                                    try? await Task.sleep(for: .milliseconds(500))
                                    if Task.isCancelled { return }
                                }
                            }
                            _ = await inner.next()
                            inner.cancelAll()
                        }
                    }
                }
            }
            group.cancelAll()
        }
    }
}
