import AsyncHTTPClient
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

/// The built-in DNS of a control plane: the zone publisher, the server answering from it,
/// and (once the federation API answers) the controller and prober that fill it.
struct DNSAssembly: Sendable {
    let settings: ServiceDNSSettings
    let publisher: ZonePublisher
    let ingress = MemberIngress()
    let queue = WorkQueue<ServiceDNSController.Key>()

    init(options: DNSOptions, federationName: String, bindAddress: String) {
        settings = ServiceDNSSettings(zone: options.zone, federation: federationName, defaultTTL: UInt32(options.dnsTTL))
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

    /// The controller side, run by the federation runtime with its client.
    func controllers(federation: KubeClient, informers: SharedInformers, http: HTTPClient, logger: Logger) -> [any Service] {
        let prober = HealthProber(probe: EndpointProbe(group: MultiThreadedEventLoopGroup.singleton, http: http), logger: logger)
        return ServiceDNSController.make(
            federation: federation, informers: informers, settings: settings, ingress: ingress, prober: prober, publisher: publisher,
            queue: queue, logger: logger)
    }

    /// Member watch events: a Service copy's new ingress re-plans the zone.
    func memberChanged(cluster: String, type: ResourceType, event: InformerEvent) {
        if type == .services && ingress.update(cluster: cluster, event) { queue.add(.zone) }
    }

    static func probeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            certificateVerification: CertificateVerification.none, timeout: .init(connect: .seconds(2), read: .seconds(2)),
            maximumAllowedIdleTimeInConnectionPool: .seconds(5))
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
