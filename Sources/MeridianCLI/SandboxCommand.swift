import APIServer
import ArgumentParser
import Foundation
import KubeAPI
import KubeClient
import Logging
import Sandbox
import ServiceLifecycle

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run a simulated member cluster: an API server with nodes, a scheduler, a simulated kubelet and controllers.",
        discussion: """
            The sandbox speaks the Kubernetes API; pods are simulated (they reach Running without containers), \
            LoadBalancer Services get a loopback ingress IP with a real listener. State lives in --data-dir.

            Examples:
              meridian sandbox --name westus1 --region westus --port 0 --write-kubeconfig ./westus1.kubeconfig
              kubectl --kubeconfig ./westus1.kubeconfig get nodes
            """)

    @Option(help: "Cluster name (node names, context name, load-balancer answers).")
    var name: String

    @Option(help: "Port to listen on (0 picks a free one).")
    var port: Int = 6443

    @Option(help: "Address to listen on.")
    var bindAddress: String = "127.0.0.1"

    @Option(help: "Directory for the store and credentials (default: ~/.meridian/sandboxes/<name>).")
    var dataDir: String?

    @Option(help: "Region label of the nodes (topology.kubernetes.io/region).")
    var region: String = "local"

    @Option(help: "Zone label of the nodes (default: <region>-a).")
    var zone: String?

    @Option(help: "Number of virtual nodes.")
    var nodes: Int = 3

    @Option(help: "Milliseconds from binding a pod to Running/Ready.")
    var podStartDelayMs: Int = 300

    @Option(help: "Seconds a Job's pod runs before it succeeds.")
    var jobDurationSeconds: Double = 2

    @Option(help: "Write a kubeconfig (context named after the sandbox) to this file.")
    var writeKubeconfig: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, not \(port)") }
        guard Validation.dns1123Label(name).isEmpty else {
            throw ValidationError("--name \(name) is not a valid cluster name (lower-case letters, digits and '-', at most 63)")
        }
        guard (0...250).contains(nodes) else { throw ValidationError("--nodes must be between 0 and 250, not \(nodes)") }
        guard podStartDelayMs >= 0 else { throw ValidationError("--pod-start-delay-ms must not be negative") }
        guard jobDurationSeconds >= 0 else { throw ValidationError("--job-duration-seconds must not be negative") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \(logLevel) is not a log level") }
    }

    func run() async throws {
        let logger = ProcessBootstrap.logger(label: "meridian.sandbox", level: logLevel)
        let metrics = ProcessBootstrap.metrics()
        let dir = dataDir ?? (NSHomeDirectory() as NSString).appendingPathComponent(".meridian/sandboxes/\(name)")
        var configuration = SandboxConfiguration(
            name: name, region: region, zone: zone ?? "\(region)-a", nodeCount: nodes,
            loadBalancerPrefix: SandboxConfiguration.loadBalancerPrefix(forName: name))
        configuration.podStartDelay = .milliseconds(podStartDelayMs)
        configuration.jobDuration = .milliseconds(Int(jobDurationSeconds * 1000))
        let (ports, announce) = AsyncStream<(Int, PKI)>.makeStream()
        let server = try ServerAssembly.apiServer(
            dataDir: dir, bindAddress: bindAddress, port: port, contextName: name, kubeconfigPath: writeKubeconfig, metrics: metrics,
            logger: logger,
            onListening: { port, pki in
                announce.yield((port, pki))
                announce.finish()
            })
        let host = bindAddress == "0.0.0.0" ? "127.0.0.1" : bindAddress
        let controllers = SandboxRuntime(configuration: configuration, host: host, ports: ports, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [server, controllers], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Starts the sandbox controllers once the API server listens, as a client of it with
/// the admin credentials.
struct SandboxRuntime: Service {
    let configuration: SandboxConfiguration
    let host: String
    let ports: AsyncStream<(Int, PKI)>
    let logger: Logger

    func run() async throws {
        var iterator = ports.makeAsyncIterator()
        guard let (port, pki) = await iterator.next() else { return }
        var configuration = self.configuration
        configuration.caCertificatePEM = pki.caCertificatePEM
        let client = try KubeClient(
            ClientConfiguration(
                server: "https://\(host):\(port)", caPEM: pki.caCertificatePEM, clientCertificatePEM: pki.adminCertificatePEM,
                clientKeyPEM: pki.adminKeyPEM), maxConnections: 16)
        let context = SandboxContext(
            client: client, informers: SharedInformers(client: client, logger: logger), configuration: configuration, logger: logger)
        do {
            try await SandboxControllers(context: context).run()
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }
}
