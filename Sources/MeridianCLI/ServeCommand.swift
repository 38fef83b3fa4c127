import APIServer
import ArgumentParser
import Federation
import FederationAPI
import Foundation
import KubeAPI
import KubeClient
import Logging
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the federation control plane: the federation API server and its controllers.",
        discussion: """
            The federation API is a Kubernetes API server with the federation.meridian.dev group (Cluster, …); \
            members join with `meridian join`. State lives in --data-dir.

            Examples:
              meridian serve --data-dir ./fed --port 0 --write-kubeconfig ./fed.kubeconfig
              kubectl --kubeconfig ./fed.kubeconfig get clusters
            """)

    @Option(help: "Directory for the store, certificates and credentials.")
    var dataDir: String

    @Option(help: "Name of the federation: the context name in the written kubeconfig.")
    var federationName: String = "meridian"

    @Option(help: "Write a kubeconfig (context named after the federation) to this file.")
    var writeKubeconfig: String?

    @Option(help: "Milliseconds between health probes of each member's /readyz.")
    var clusterProbeIntervalMs: Int = 1000

    @OptionGroup var storage: StoreOptions

    @OptionGroup var listen: ListenOptions

    func validate() throws {
        guard Validation.dns1123Label(federationName).isEmpty else {
            throw ValidationError("--federation-name \(federationName) is not a valid name (lower-case letters, digits and '-')")
        }
        guard clusterProbeIntervalMs >= 100 else { throw ValidationError("--cluster-probe-interval-ms must be at least 100") }
    }

    func run() async throws {
        let logger = ProcessBootstrap.logger(label: "meridian.serve", level: listen.logLevel)
        let metrics = ProcessBootstrap.metrics()
        let services = try FederationAssembly.services(
            name: federationName, dataDir: dataDir, storage: storage, bindAddress: listen.bindAddress, port: listen.port,
            probeInterval: .milliseconds(clusterProbeIntervalMs),
            kubeconfigPath: writeKubeconfig, metrics: metrics, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Once the federation API server listens: installs the federation resources and runs the
/// controllers, as a client of that server.
struct FederationRuntime: Service {
    let federationName: String
    let host: String
    let ports: AsyncStream<(Int, PKI)>
    let probeInterval: Duration
    let proxy: FederationClusterProxy
    let logger: Logger

    func run() async throws {
        var iterator = ports.makeAsyncIterator()
        guard let (port, pki) = await iterator.next() else { return }
        let client = try KubeClient(
            ClientConfiguration(
                server: "https://\(host):\(port)", caPEM: pki.caCertificatePEM, clientCertificatePEM: pki.adminCertificatePEM,
                clientKeyPEM: pki.adminKeyPEM), maxConnections: 16)
        let members = MemberClients()
        await proxy.attach(federation: client, members: members)
        do {
            try await FederationBootstrap.install(client)
            let informers = SharedInformers(client: client, logger: logger)
            let services =
                ClusterHealthController.make(
                    federation: client, informers: informers, members: members, interval: probeInterval, logger: logger)
                + PropagationController.make(
                    federation: client, federationName: federationName, informers: informers, members: members, logger: logger)
            try await cancelWhenGracefulShutdown {
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask { await informers.run() }
                    for service in services { group.addTask { try await service.run() } }
                }
            }
        } catch {
            await members.shutdown()
            await client.shutdown()
            throw error
        }
        await members.shutdown()
        await client.shutdown()
    }
}
