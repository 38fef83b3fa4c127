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
/// Services (and opted-in Ingresses): one key (the zone), re-planned whenever a Service,
/// an Ingress, a Cluster, a member's ingress, this replica's probes or another replica's
/// probe report change. Every replica runs it: each probes every endpoint and serves the
/// zone; an endpoint is withdrawn when a majority of the replicas that report judges it
/// down (`ProbeAgreement`). Only the leader writes Events and removes reports of
/// replicas long gone.
public struct ServiceDNSController: Reconciler {
    public enum Key: Hashable, Sendable { case zone }

    let settings: ServiceDNSSettings
    let services: Informer
    let ingresses: Informer
    let clusters: Informer
    let reportLeases: Informer
    let ingress: MemberIngress
    let prober: HealthProber
    let publisher: ZonePublisher
    let memory = DNSPlanMemory()
    let reports: ProbeReportSettings
    let observer: ProbeReportObserver
    let leadership: Leadership
    let federation: KubeClient
    let events: EventRecorder
    let metrics = AgreementMetrics()
    /// Hears every plan's records (an external provider's desired zone).
    let onPlan: @Sendable ([ResourceRecord]) async -> Void

    /// The controller, the informer of probe reports, the prober, the publisher of this
    /// replica's report and the pump of probe transitions into both. The caller runs
    /// `informers` (Services, Ingresses, Clusters).
    public static func make(
        federation: KubeClient, informers: SharedInformers, settings: ServiceDNSSettings, ingress: MemberIngress, prober: HealthProber,
        publisher: ZonePublisher, queue: WorkQueue<Key>, reports: ProbeReportSettings, leadership: Leadership, logger: Logger,
        onPlan: @escaping @Sendable ([ResourceRecord]) async -> Void = { _ in }
    ) -> [any Service] {
        let reportLeases = Informer(
            client: federation, type: .leases, namespace: ProbeReportLease.namespace, labelSelector: "\(ProbeReportLease.label)=true",
            logger: logger)
        let reconciler = ServiceDNSController(
            settings: settings, services: informers.informer(for: .services), ingresses: informers.informer(for: .ingresses),
            clusters: informers.informer(for: .clusters), reportLeases: reportLeases, ingress: ingress, prober: prober,
            publisher: publisher, reports: reports, observer: ProbeReportObserver(staleAfter: reports.staleAfter),
            leadership: leadership, federation: federation,
            events: EventRecorder(client: federation, component: "meridian-dns", logger: logger), onPlan: onPlan)
        reconciler.services.addHandler { _ in queue.add(.zone) }
        reconciler.ingresses.addHandler { _ in queue.add(.zone) }
        reconciler.clusters.addHandler { event in
            if case .deleted(let cluster) = event, let name = cluster["metadata"]["name"].stringValue { ingress.forget(cluster: name) }
            queue.add(.zone)
        }
        reportLeases.addHandler { [observer = reconciler.observer] event in
            if observer.observe(event) { queue.add(.zone) }
        }
        let controller = Controller(
            name: "service-dns", reconciler: reconciler, queue: queue,
            informers: [reconciler.services, reconciler.ingresses, reconciler.clusters, reportLeases], workers: 1, logger: logger)
        let reporting = ProbeReporting(client: federation, prober: prober, settings: reports, logger: logger)
        return [
            controller, InformerService(informer: reportLeases), prober, reporting,
            ProbeTransitionPump(prober: prober, zone: queue, report: reporting.queue),
        ]
    }

    public func reconcile(_ key: Key, logger: Logger) async throws -> ReconcileResult {
        let clusters = await self.clusters.list().map(Cluster.init(object:))
        var endpoints: [ServiceEndpoints] = []
        var objects: [ObjectKey: (type: ResourceType, object: JSONValue)] = [:]
        var targets: [ProbeTarget: ProbePolicy] = [:]
        var owners: [ProbeTarget: [DNSPlanMemory.Owner]] = [:]
        // Services first: an Ingress of the same name and namespace would share their names.
        for (type, informer) in [(ResourceType.services, services), (.ingresses, ingresses)] {
            for object in await informer.list() where ServiceDNSAnnotations.wantsDNS(type, object) {
                let key = ObjectKey(object)
                guard objects[key] == nil else {
                    logger.debug("names taken by the Service of the same name", metadata: ["meridian.ingress": "\(key)"])
                    continue
                }
                let persisted = MemberIngress.persisted(object)
                let ingressKey = MemberIngress.Key(type, key)
                guard
                    let service = ServiceDNSAnnotations.endpoints(
                        of: object, type: type, defaultTTL: settings.defaultTTL, clusters: clusters,
                        ingress: { ingress.entries(cluster: $0, ingressKey) ?? persisted[$0] ?? [] })
                else { continue }
                objects[key] = (type, object)
                endpoints.append(service)
                for member in service.members {
                    for target in service.targets(of: member) {
                        targets[target] = service.policy
                        owners[target, default: []].append(DNSPlanMemory.Owner(object: ingressKey, cluster: member.cluster))
                    }
                }
            }
        }
        await prober.setTargets(targets)
        let own = await prober.report(prober: reports.identity)
        let agreement = ProbeAgreement.decide(own: own, others: observer.reports(), staleAfter: reports.staleAfter)
        let plan = RecordPlanner.plan(
            endpoints, federation: settings.federation, zone: settings.zone, healthy: { !agreement.withdrawn.contains($0.reportKey) },
            lastHealthy: await memory.lastHealthy)
        let changes = await memory.update(plan, owners: owners, agreement: agreement)
        if await publisher.publish(plan.records) {
            let serial = publisher.box.snapshot.serial
            logger.debug("zone published", metadata: ["meridian.dns.serial": "\(serial)", "meridian.dns.records": "\(plan.records.count)"])
        }
        await onPlan(plan.records)
        metrics.record(agreement, own: own, reports: observer.reports())
        if leadership.isLeader {
            await recordEvents(changes, agreement: agreement, endpoints: endpoints, objects: objects, policies: targets)
            await forgetGoneReports(logger: logger)
        }
        // A counted report turning stale may change the outcome.
        if let later = agreement.decideAgainIn { return .requeue(after: later + .milliseconds(50)) }
        return .done
    }

    /// Deletes the reports of replicas silent for `forgetAfter` (killed, never to return).
    private func forgetGoneReports(logger: Logger) async {
        for name in observer.names(olderThan: reports.forgetAfter) where name != ProbeReportLease.name(identity: reports.identity) {
            do {
                try await federation.deleteIfExists(.leases, namespace: ProbeReportLease.namespace, name: name)
                logger.info("removed the probe report of a replica gone silent", metadata: ["meridian.lease": "\(name)"])
            } catch {
                logger.debug("could not remove a stale probe report", metadata: ["meridian.lease": "\(name)", "error": "\(error)"])
            }
        }
    }
}

/// Feeds the prober's transitions on: re-plan the zone, publish this replica's report.
struct ProbeTransitionPump: Service {
    let prober: HealthProber
    let zone: WorkQueue<ServiceDNSController.Key>
    let report: WorkQueue<ProbeReportPublisher.Key>

    func run() async throws {
        for await _ in prober.transitions.cancelOnGracefulShutdown() {
            report.add(.report)
            zone.add(.zone)
        }
    }
}

/// Runs an informer that is not one of the shared ones.
struct InformerService: Service {
    let informer: Informer

    func run() async throws {
        await cancelWhenGracefulShutdown { await informer.run() }
    }
}

extension JSONValue {
    /// Informer objects may lack apiVersion/kind; Events name them.
    func withKind(_ kind: String, apiVersion: String = "v1") -> JSONValue {
        var object = self
        if object["kind"].isNull {
            object["apiVersion"] = .string(apiVersion)
            object["kind"] = .string(kind)
        }
        return object
    }
}
