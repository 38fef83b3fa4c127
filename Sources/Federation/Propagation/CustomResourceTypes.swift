import FederationAPI
import KubeAPI
import KubeClient
import Logging
import ServiceLifecycle
import Synchronization

/// The kinds propagation covers, each with the federation informer that feeds it: the
/// built-in ones from the start, custom resources as their CRDs appear.
public final class PropagatedTypeRegistry: Sendable {
    private let informers = Mutex<[ResourceType: Informer]>([:])

    public init() {}

    public func informer(for type: ResourceType) -> Informer? { informers.withLock { $0[type] } }
    public var types: [ResourceType] { informers.withLock { Array($0.keys) } }

    /// Registers `type` unless it is known; whether it was new.
    @discardableResult
    func add(_ type: ResourceType, _ informer: Informer) -> Bool {
        informers.withLock { all in
            guard all[type] == nil else { return false }
            all[type] = informer
            return true
        }
    }

    func remove(_ type: ResourceType) { informers.withLock { $0[type] = nil } }
}

/// Follows the federation's CustomResourceDefinitions: for each one (except the
/// federation's own group and denylisted resources) an informer over its custom objects
/// starts, feeding the propagation queue, and members' copies of them are watched; when
/// the CRD is gone, so is the informer.
struct CustomResourceTypes: Service {
    let federation: KubeClient
    let registry: PropagatedTypeRegistry
    let denylist: Set<String>
    let watches: MemberWatches
    /// Hooks a new informer up to the propagation queue (before it runs).
    let attach: @Sendable (ResourceType, Informer) -> Void
    let changes: AsyncStream<InformerEvent>
    let logger: Logger

    /// The resource a CRD serves: its storage version (or first served one).
    static func resourceType(of crd: JSONValue) -> ResourceType? {
        let spec = crd["spec"]
        guard let group = spec["group"].stringValue, let plural = spec["names"]["plural"].stringValue,
            let kind = spec["names"]["kind"].stringValue
        else { return nil }
        let versions = (spec["versions"].arrayValue ?? []).filter { $0["served"].boolValue != false }
        guard let version = (versions.first { $0["storage"].boolValue == true } ?? versions.first)?["name"].stringValue else {
            return nil
        }
        return ResourceType(
            group: group, version: version, resource: plural, kind: kind, namespaced: spec["scope"].stringValue != "Cluster")
    }

    func run() async throws {
        var running: [ResourceType: Task<Void, Never>] = [:]
        defer { for task in running.values { task.cancel() } }
        for await event in changes.cancelOnGracefulShutdown() {
            guard let type = Self.resourceType(of: event.object), type.group != Federation.group,
                !denylist.contains(type.qualifiedResource)
            else { continue }
            switch event {
            case .deleted:
                guard let task = running.removeValue(forKey: type) else { continue }
                task.cancel()
                registry.remove(type)
                watches.setTypes(registry.types)
                logger.info("stopped propagating a custom resource", metadata: ["resource": "\(type.qualifiedResource)"])
            case .added, .updated:
                // A version change makes a different type; the old one goes.
                for stale in running.keys where stale.group == type.group && stale.resource == type.resource && stale != type {
                    running.removeValue(forKey: stale)?.cancel()
                    registry.remove(stale)
                }
                guard running[type] == nil else { continue }
                let informer = Informer(client: federation, type: type, logger: logger)
                attach(type, informer)
                registry.add(type, informer)
                running[type] = Task { await informer.run() }
                watches.setTypes(registry.types)
                logger.info(
                    "propagating a custom resource", metadata: ["resource": "\(type.qualifiedResource)", "version": "\(type.version)"])
            }
        }
    }
}
