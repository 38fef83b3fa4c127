import AsyncHTTPClient
import DNSProviders
import DNSServer
import DNSWire
import Federation
import Foundation
import KubeClient
import Logging
import NIOPosix
import NIOSSL
import Reconcile
import ServiceLifecycle
import Synchronization

/// The DNS of a control plane: the zone publisher, the built-in server answering from it,
/// (once the federation API answers) the controller and prober that fill it, and with
/// `--dns-provider` other than builtin the sync of the same records to that provider.
/// The built-in server keeps serving with a provider: it costs nothing, and `dig` at it
/// shows what Meridian wants the provider to hold.
struct DNSAssembly: Sendable {
    /// An external provider and the desired zone its sync works towards.
    final class External: Sendable {
        let provider: any DNSProvider
        let desired = DesiredZone()
        /// The queue of the current leadership term's sync (a stopped controller's queue
        /// is shut down: each term gets its own).
        let queue = Mutex<WorkQueue<ProviderSyncReconciler.Key>?>(nil)

        init(provider: any DNSProvider) { self.provider = provider }

        func changed() { queue.withLock { $0 }?.add(.zone) }
    }

    let settings: ServiceDNSSettings
    let publisher: ZonePublisher
    let ingress = MemberIngress()
    let queue = WorkQueue<ServiceDNSController.Key>()
    let external: External?

    init(options: DNSOptions, federationName: String, bindAddress: String) throws {
        settings = ServiceDNSSettings(zone: options.zone, federation: federationName, defaultTTL: UInt32(options.dnsTTL))
        if options.dnsProvider == "builtin" {
            external = nil
        } else {
            do {
                external = External(
                    provider: try DNSProviderFactory.make(
                        name: options.dnsProvider, configurationText: try options.configurationText(), zone: options.zone))
            } catch let error as ProviderConfigurationError {
                throw CLIError("--dns-provider \(options.dnsProvider): \(error)")
            }
        }
        let host = bindAddress == "0.0.0.0" ? "127.0.0.1" : bindAddress
        let configuration = ZoneConfiguration(origin: options.zone, nameServerAddress: try? IPv4Address(host))
        publisher = ZonePublisher(configuration: configuration, initialSerial: UInt32(clamping: Int(Date().timeIntervalSince1970)))
    }

    /// The server; `announce` hears the port it listens on.
    func server(host: String, port: Int, logger: Logger, announce: @escaping @Sendable (Int) -> Void) -> DNSServer {
        let zone = settings.zone
        return DNSServer(host: host, port: port, box: publisher.box, logger: logger) { port in
            // Written straight to the descriptor: stdout may be a file, where print() buffers.
            FileHandle.standardOutput.write(Data("DNS server listening on \(host):\(port) (zone \(zone))\n".utf8))
            announce(port)
        }
    }

    /// What every replica runs with the federation's client: the prober, the publisher
    /// of its probe report and the controller that plans (and serves) the zone from the
    /// agreement of every replica's probes. The caller runs `informers`.
    func replicaServices(
        federation: KubeClient, informers: SharedInformers, http: HTTPClient, identity: String, leadership: Leadership, logger: Logger
    ) -> [any Service] {
        let prober = HealthProber(probe: EndpointProbe(group: MultiThreadedEventLoopGroup.singleton, http: http), logger: logger)
        return ServiceDNSController.make(
            federation: federation, informers: informers, settings: settings, ingress: ingress, prober: prober, publisher: publisher,
            queue: queue, reports: ProbeReportSettings(identity: identity), leadership: leadership, logger: logger,
            onPlan: { [external] records in
                if let external, await external.desired.offer(records) { external.changed() }
            })
    }

    /// What only the leader runs: the sync to an external provider (one writer at a time).
    func leaderServices(logger: Logger) -> [any Service] {
        guard let external else { return [] }
        let queue = ProviderSyncReconciler.queue()
        external.queue.withLock { $0 = queue }
        // The zone this replica planned before it led is already desired: compare it with
        // the provider's now.
        queue.add(.zone)
        return [
            ProviderSyncReconciler.controller(
                provider: external.provider, desired: external.desired, zone: settings.zone,
                owner: Ownership.owner(federation: settings.federation), queue: queue, logger: logger)
        ]
    }

    /// Member watch events: a Service or Ingress copy's new ingress re-plans the zone.
    func memberChanged(cluster: String, type: ResourceType, event: InformerEvent) {
        if ingress.update(cluster: cluster, type: type, event) { queue.add(.zone) }
    }

    static func probeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            certificateVerification: CertificateVerification.none, timeout: .init(connect: .seconds(2), read: .seconds(2)),
            maximumAllowedIdleTimeInConnectionPool: .seconds(5))
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
