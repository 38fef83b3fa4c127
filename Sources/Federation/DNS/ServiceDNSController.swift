import DNSServer
import DNSWire
import FederationAPI
import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle

/// DNS settings of the federation: the zone, the federation's name (F in
/// `S.N.F.svc.Z`) and the TTL of Service names without the TTL annotation.
public struct ServiceDNSSettings: Sendable {
    public var zone: DNSName
    public var federation: String
    public var defaultTTL: UInt32

    public init(zone: DNSName, federation: String, defaultTTL: UInt32 = 5) {
        self.zone = zone
        self.federation = federation
        self.defaultTTL = defaultTTL
    }
}

/// Keeps the built-in DNS zone equal to the plan for the federation's LoadBalancer
/// Services: one key (the zone), re-planned whenever a Service, a Cluster, a member's
/// ingress or an endpoint's health changes. Probe targets follow the plan's inputs.
public struct ServiceDNSController: Reconciler {
    public enum Key: Hashable, Sendable { case zone }

    let settings: ServiceDNSSettings
    let services: Informer
    let clusters: Informer
    let ingress: MemberIngress
    let prober: HealthProber
    let publisher: ZonePublisher
    let memory = DNSPlanMemory()
    let events: EventRecorder
    /// Hears every plan's records (an external provider's desired zone).
    let onPlan: @Sendable ([ResourceRecord]) async -> Void

    /// The controller and the pump of probe transitions into it.
    public static func make(
        federation: KubeClient, informers: SharedInformers, settings: ServiceDNSSettings, ingress: MemberIngress, prober: HealthProber,
        publisher: ZonePublisher, queue: WorkQueue<Key>, logger: Logger,
        onPlan: @escaping @Sendable ([ResourceRecord]) async -> Void = { _ in }
    ) -> [any Service] {
        let reconciler = ServiceDNSController(
            settings: settings, services: informers.informer(for: .services), clusters: informers.informer(for: .clusters),
            ingress: ingress, prober: prober, publisher: publisher,
            events: EventRecorder(client: federation, component: "meridian-dns", logger: logger), onPlan: onPlan)
        reconciler.services.addHandler { _ in queue.add(.zone) }
        reconciler.clusters.addHandler { event in
            if case .deleted(let cluster) = event, let name = cluster["metadata"]["name"].stringValue { ingress.forget(cluster: name) }
            queue.add(.zone)
        }
        let controller = Controller(
            name: "service-dns", reconciler: reconciler, queue: queue, informers: [reconciler.services, reconciler.clusters], workers: 1,
            logger: logger)
        return [controller, ProbeTransitionPump(reconciler: reconciler, queue: queue), prober]
    }

    public func reconcile(_ key: Key, logger: Logger) async throws -> ReconcileResult {
        let clusters = await self.clusters.list().map(Cluster.init(object:))
        let objects = await services.list().filter(ServiceDNSAnnotations.wantsDNS)
        var endpoints: [ServiceEndpoints] = []
        var targets: [ProbeTarget: ProbePolicy] = [:]
        var owners: [ProbeTarget: [DNSPlanMemory.Owner]] = [:]
        for object in objects {
            let key = ObjectKey(object)
            guard
                let service = ServiceDNSAnnotations.endpoints(
                    of: object, defaultTTL: settings.defaultTTL, clusters: clusters,
                    ingress: { ingress.entries(cluster: $0, service: key) })
            else { continue }
            endpoints.append(service)
            for member in service.members {
                for target in service.targets(of: member) {
                    targets[target] = service.policy
                    owners[target, default: []].append(DNSPlanMemory.Owner(service: key, cluster: member.cluster))
                }
            }
        }
        await prober.setTargets(targets)
        let health = await prober.health()
        let plan = RecordPlanner.plan(
            endpoints, federation: settings.federation, zone: settings.zone, healthy: { health[$0]?.healthy ?? true },
            lastHealthy: await memory.lastHealthy)
        let newlyHeld = await memory.update(plan, owners: owners)
        if await publisher.publish(plan.records) {
            let serial = publisher.box.snapshot.serial
            logger.debug("zone published", metadata: ["meridian.dns.serial": "\(serial)", "meridian.dns.records": "\(plan.records.count)"])
        }
        await onPlan(plan.records)
        for (name, kept) in newlyHeld {
            guard
                let service = endpoints.first(where: {
                    RecordPlanner.globalName($0.service, federation: settings.federation, zone: settings.zone) == name
                }), let object = await services.get(namespace: service.service.namespace, name: service.service.name)
            else { continue }
            await events.record(
                object.withKind("Service"), type: .warning, reason: "AllEndpointsFailed",
                message: "every endpoint of \(name) failed its probes; DNS keeps the last healthy set (\(kept.joined(separator: ", ")))")
        }
        return .done
    }

    /// Records the Events of one probe transition on the Services the endpoint serves.
    func record(_ transition: HealthProber.Transition) async {
        for owner in await memory.owners(of: transition.target) {
            guard let object = await services.get(namespace: owner.service.namespace, name: owner.service.name) else { continue }
            switch transition.change {
            case .withdrawn:
                await events.record(
                    object.withKind("Service"), type: .warning, reason: "EndpointWithdrawn",
                    message:
                        "endpoint \(transition.target) in cluster \(owner.cluster) failed \(transition.failures) probes in a row (\(transition.error ?? "failed")); withdrawn from DNS"
                )
            case .restored:
                await events.record(
                    object.withKind("Service"), reason: "EndpointRestored",
                    message: "endpoint \(transition.target) in cluster \(owner.cluster) answers probes again; restored in DNS")
            }
        }
    }
}

/// Feeds the prober's transitions to the controller: re-plan first, then the Events.
struct ProbeTransitionPump: Service {
    let reconciler: ServiceDNSController
    let queue: WorkQueue<ServiceDNSController.Key>

    func run() async throws {
        for await transition in reconciler.prober.transitions.cancelOnGracefulShutdown() {
            queue.add(.zone)
            await reconciler.record(transition)
        }
    }
}

extension JSONValue {
    /// Informer objects may lack apiVersion/kind; Events name them.
    func withKind(_ kind: String) -> JSONValue {
        var object = self
        if object["kind"].isNull {
            object["apiVersion"] = "v1"
            object["kind"] = .string(kind)
        }
        return object
    }
}
