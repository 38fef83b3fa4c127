import KubeAPI
import Logging
import Synchronization

/// What changed in an informer's cache.
public enum InformerEvent: Sendable {
    case added(JSONValue)
    case updated(old: JSONValue, new: JSONValue)
    case deleted(JSONValue)

    /// The object as it is now (or was, for a deletion).
    public var object: JSONValue {
        switch self {
        case .added(let o), .deleted(let o): return o
        case .updated(_, let new): return new
        }
    }
}

/// Namespace (empty for cluster-scoped objects) and name.
public struct ObjectKey: Sendable, Hashable, CustomStringConvertible, Comparable {
    public var namespace: String
    public var name: String

    public init(namespace: String = "", name: String) {
        self.namespace = namespace
        self.name = name
    }

    public init(_ object: JSONValue) {
        self.init(namespace: object["metadata"]["namespace"].stringValue ?? "", name: object["metadata"]["name"].stringValue ?? "")
    }

    public var description: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }

    public static func < (a: ObjectKey, b: ObjectKey) -> Bool { (a.namespace, a.name) < (b.namespace, b.name) }
}

/// A list+watch cache of one resource (client-go's reflector + indexer): lists, then
/// watches from the list's resourceVersion; re-lists on 410; reconnects with backoff;
/// asks for bookmarks so a reconnect resumes close to now; tells handlers about every
/// change and, every `resyncPeriod`, about every object again.
public actor Informer {
    public let type: ResourceType
    let client: KubeClient
    let namespace: String?
    let labelSelector: String?
    let fieldSelector: String?
    let resyncPeriod: Duration?
    let logger: Logger

    /// Objects by namespace, then name.
    private var objects: [String: [String: CachedObject]] = [:]
    /// Objects are kept as JSON bytes (see `CachedObject`), with no controller index.
    let compactCache: Bool
    private var controllers = ControllerIndex()
    private let handlers = Mutex<[@Sendable (InformerEvent) -> Void]>([])
    private var synced = false
    private var stopped = false
    private var syncWaiters: [CheckedContinuation<Bool, Never>] = []
    public private(set) var lastResourceVersion = ""
    /// Lists done so far (the first, plus one per 410).
    public private(set) var listCount = 0

    public init(
        client: KubeClient, type: ResourceType, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
        resyncPeriod: Duration? = nil, compactCache: Bool = false, logger: Logger
    ) {
        self.compactCache = compactCache
        self.client = client
        self.type = type
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resyncPeriod = resyncPeriod
        var logger = logger
        logger[metadataKey: "meridian.resource"] = "\(type)"
        self.logger = logger
    }

    /// Handlers run on the informer's executor and must be quick (map to a key, enqueue).
    /// Add them before `run()`: they hear about every object from the first list on.
    public nonisolated func addHandler(_ handler: @escaping @Sendable (InformerEvent) -> Void) {
        handlers.withLock { $0.append(handler) }
    }

    public var hasSynced: Bool { synced }

    /// Returns once the first list is in the cache (true), or the informer stopped first (false).
    @discardableResult
    public func waitForSync() async -> Bool {
        if synced { return true }
        if stopped { return false }
        return await withCheckedContinuation { syncWaiters.append($0) }
    }

    public func get(namespace: String = "", name: String) -> JSONValue? {
        objects[namespace]?[name]?.object
    }

    /// Cached objects, optionally of one namespace and matching a selector.
    public func list(namespace: String? = nil, selector: LabelSelector? = nil) -> [JSONValue] {
        var out: [JSONValue] = []
        func take(_ bucket: [String: CachedObject]) {
            for cached in bucket.values {
                let object = cached.object
                if selector.map({ $0.matches(Self.labels(object)) }) ?? true { out.append(object) }
            }
        }
        if let namespace {
            if let bucket = objects[namespace] { take(bucket) }
        } else {
            for bucket in objects.values { take(bucket) }
        }
        return out
    }

    /// The cached objects whose controller (owner reference with `controller: true`) has
    /// this UID, by an index rather than a scan.
    public func controlled(by uid: String) -> [JSONValue] {
        controllers.controlled(by: uid).compactMap { objects[$0.namespace]?[$0.name]?.object }
    }

    /// What a controller with this UID in `namespace` has to look at: the objects it
    /// controls and the namespace's orphans (objects without a controller, which it may adopt).
    public func claimable(by uid: String, namespace: String) -> [JSONValue] {
        let keys = controllers.controlled(by: uid).union(controllers.orphans(namespace: namespace))
        return keys.compactMap { objects[$0.namespace]?[$0.name]?.object }.filter {
            ($0["metadata"]["namespace"].stringValue ?? "") == namespace
        }
    }

    /// The keys of every cached object (no object is parsed for it).
    public func keys() -> [ObjectKey] {
        objects.flatMap { namespace, bucket in bucket.keys.map { ObjectKey(namespace: namespace, name: $0) } }
    }

    public var count: Int { objects.values.reduce(0) { $0 + $1.count } }

    static func labels(_ object: JSONValue) -> [String: String] {
        (object["metadata"]["labels"].objectValue ?? [:]).compactMapValues(\.stringValue)
    }

    // MARK: running

    /// Lists and watches until cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.reflect() }
            if let period = resyncPeriod {
                group.addTask {
                    while (try? await Task.sleep(for: period)) != nil { await self.resync() }
                }
            }
        }
        stopped = true
        for waiter in syncWaiters { waiter.resume(returning: false) }
        syncWaiters.removeAll()
    }

    private func reflect() async {
        var backoff = Backoff()
        var needList = true
        while !Task.isCancelled {
            do {
                if needList {
                    try await relist()
                    needList = false
                }
                let end = try await watchOnce()
                if end == .expired {
                    logger.debug("watch expired, re-listing")
                    needList = true
                }
                backoff.reset()
            } catch {
                if Task.isCancelled { return }
                if error.isGone { needList = true }
                logger.debug("list/watch failed", metadata: ["error": "\(error)"])
                guard (try? await Task.sleep(for: backoff.next())) != nil else { return }
            }
        }
    }

    private func relist() async throws(KubeClientError) {
        let page = try await client.listAll(
            type, namespace: namespace, options: ListOptions(labelSelector: labelSelector, fieldSelector: fieldSelector))
        listCount += 1
        replace(with: page.items, resourceVersion: page.resourceVersion)
    }

    private func watchOnce() async throws(KubeClientError) -> KubeClient.WatchEnd {
        let options = ListOptions(
            labelSelector: labelSelector, fieldSelector: fieldSelector, resourceVersion: lastResourceVersion,
            timeoutSeconds: Int.random(in: 300...600), allowWatchBookmarks: true)
        return try await client.watch(type, namespace: namespace, options: options) { event in
            await self.apply(event)
            return true
        }
    }

    // MARK: cache updates

    private func replace(with items: [JSONValue], resourceVersion: String) {
        var fresh: [String: [String: JSONValue]] = [:]
        for item in items {
            let key = ObjectKey(item)
            fresh[key.namespace, default: [:]][key.name] = item
        }
        let old = objects
        objects = fresh.mapValues { bucket in bucket.mapValues { CachedObject($0, compact: compactCache) } }
        controllers = ControllerIndex()
        if !compactCache {
            for bucket in fresh.values { for object in bucket.values { controllers.insert(object) } }
        }
        lastResourceVersion = resourceVersion
        for (ns, bucket) in fresh {
            for (name, object) in bucket {
                if let previous = old[ns]?[name]?.object {
                    if previous["metadata"]["resourceVersion"] != object["metadata"]["resourceVersion"] {
                        notify(.updated(old: previous, new: object))
                    }
                } else {
                    notify(.added(object))
                }
            }
        }
        for (ns, bucket) in old {
            for (name, cached) in bucket where fresh[ns]?[name] == nil { notify(.deleted(cached.object)) }
        }
        if !synced {
            synced = true
            for waiter in syncWaiters { waiter.resume(returning: true) }
            syncWaiters.removeAll()
        }
    }

    private func apply(_ event: WatchEvent) {
        if let rv = event.object["metadata"]["resourceVersion"].stringValue { lastResourceVersion = rv }
        let key = ObjectKey(event.object)
        switch event.type {
        case .added, .modified:
            let previous = objects[key.namespace]?[key.name]?.object
            objects[key.namespace, default: [:]][key.name] = CachedObject(event.object, compact: compactCache)
            if !compactCache { controllers.replace(previous, with: event.object) }
            notify(previous.map { .updated(old: $0, new: event.object) } ?? .added(event.object))
        case .deleted:
            if let removed = objects[key.namespace]?.removeValue(forKey: key.name) {
                if case .parsed(let object) = removed { controllers.remove(object) }
                if objects[key.namespace]?.isEmpty == true { objects[key.namespace] = nil }
            }
            notify(.deleted(event.object))
        case .bookmark, .error:
            break
        }
    }

    private func resync() {
        forEachObject { object in notify(.updated(old: object, new: object)) }
    }

    private func forEachObject(_ body: (JSONValue) -> Void) {
        for bucket in objects.values { for cached in bucket.values { body(cached.object) } }
    }

    private func notify(_ event: InformerEvent) {
        for handler in handlers.withLock({ $0 }) { handler(event) }
    }
}

/// Exponential backoff for reconnects: 100 ms doubling to 5 s.
struct Backoff {
    var current: Duration = .milliseconds(100)
    let maximum: Duration = .seconds(5)

    mutating func next() -> Duration {
        defer { current = min(current * 2, maximum) }
        return current
    }

    mutating func reset() { current = .milliseconds(100) }
}
