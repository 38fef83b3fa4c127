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

    @Option(help: "Pods with this image (any tag) run as real processes of this meridian binary; others are simulated.")
    var image: String = "ghcr.io/meridian-dev/meridian"

    @Option(
        help: """
            Controllers to run, as kube-controller-manager's flag: '*' all, 'name' one, '-name' not that one \
            (e.g. '*,-deployment'; '--controllers=-*': none, a plain API server). Names: \
            \(SandboxComponent.allCases.map(\.rawValue).sorted().joined(separator: ", ")).
            """)
    var controllers: String = "*"

    @Option(help: "Write a kubeconfig (context named after the sandbox) to this file.")
    var writeKubeconfig: String?

    @Option(help: "Serve this many sandboxes in one process, named <name>-1 … <name>-N (one kubeconfig holds all contexts).")
    var count: Int?

    @Option(help: "With --count: the first sandbox's port; the others follow (0: each picks a free port).")
    var basePort: Int = 0

    @OptionGroup var storage: StoreOptions

    @OptionGroup var listen: ListenOptions

    func validate() throws {
        guard Validation.dns1123Label(name).isEmpty else {
            throw ValidationError("--name \(name) is not a valid cluster name (lower-case letters, digits and '-', at most 63)")
        }
        guard (0...250).contains(nodes) else { throw ValidationError("--nodes must be between 0 and 250, not \(nodes)") }
        guard podStartDelayMs >= 0 else { throw ValidationError("--pod-start-delay-ms must not be negative") }
        guard jobDurationSeconds >= 0 else { throw ValidationError("--job-duration-seconds must not be negative") }
        do {
            _ = try SandboxComponent.selection(controllers)
        } catch {
            throw ValidationError("--controllers: \(error)")
        }
        if let count {
            guard (1...1000).contains(count) else { throw ValidationError("--count must be between 1 and 1000, not \(count)") }
            guard basePort == 0 || (1...(65536 - count)).contains(basePort) else {
                throw ValidationError("--base-port \(basePort) leaves no room for \(count) sandboxes")
            }
        }
    }

    /// Names, ports and data directories of the sandboxes to run.
    func instances() -> [(name: String, port: Int, dataDir: String)] {
        let root = dataDir ?? (NSHomeDirectory() as NSString).appendingPathComponent(".meridian/sandboxes")
        guard let count else {
            return [(name, listen.port, dataDir ?? (root as NSString).appendingPathComponent(name))]
        }
        return (1...count).map { i in
            let instance = "\(name)-\(i)"
            return (instance, basePort == 0 ? 0 : basePort + i - 1, (root as NSString).appendingPathComponent(instance))
        }
    }

    func run() async throws {
        let logger = ProcessBootstrap.logger(label: "meridian.sandbox", level: listen.logLevel)
        let metrics = ProcessBootstrap.metrics()
        let instances = instances()
        let (listening, announce) = AsyncStream<KubeconfigFile.Entry>.makeStream()
        var services: [any Service] = []
        var prefixes = Set<String>()
        for instance in instances {
            var configuration = SandboxConfiguration(
                name: instance.name, region: region, zone: zone ?? "\(region)-a", nodeCount: nodes,
                loadBalancerPrefix: Self.uniquePrefix(for: instance.name, taken: &prefixes))
            configuration.podStartDelay = .milliseconds(podStartDelayMs)
            configuration.jobDuration = .milliseconds(Int(jobDurationSeconds * 1000))
            configuration.processImage = image
            configuration.components = try SandboxComponent.selection(controllers)
            services += try SandboxAssembly.services(
                configuration: configuration, dataDir: instance.dataDir, storage: storage,
                storeInstance: instances.count > 1 ? instance.name : nil, bindAddress: listen.bindAddress, port: instance.port,
                metrics: metrics,
                logger: logger, announce: { announce.yield($0) })
        }
        services.append(KubeconfigPublisher(path: writeKubeconfig, expected: instances.map(\.name), entries: listening, logger: logger))
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// This binary, which process pods run.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// The name's hashed loopback /24, moved along if another sandbox of this process has it.
    static func uniquePrefix(for name: String, taken: inout Set<String>) -> String {
        var candidate = SandboxConfiguration.loadBalancerPrefix(forName: name)
        var attempt = 0
        while taken.contains(candidate) {
            attempt += 1
            candidate = SandboxConfiguration.loadBalancerPrefix(forName: "\(name)#\(attempt)")
        }
        taken.insert(candidate)
        return candidate
    }
}

/// Writes one kubeconfig with every sandbox's context once all of them listen, in the
/// order they were named; then waits for shutdown.
struct KubeconfigPublisher: Service {
    let path: String?
    let expected: [String]
    let entries: AsyncStream<KubeconfigFile.Entry>
    let logger: Logger

    func run() async throws {
        var byName: [String: KubeconfigFile.Entry] = [:]
        for await entry in entries.cancelOnGracefulShutdown() {
            byName[entry.name] = entry
            if byName.count == expected.count { break }
        }
        if let path, byName.count == expected.count {
            do {
                try KubeconfigFile(entries: expected.compactMap { byName[$0] }).write(to: path)
            } catch {
                logger.error("cannot write kubeconfig", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        }
        try? await gracefulShutdown()
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
        configuration.apiServerPort = port
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

/// `kubectl logs` in a sandbox: process pods' log files; simulated containers have
/// written nothing.
struct SandboxPodLogs: PodLogSource {
    let dataDirectory: String

    func log(namespace: String, pod: String, uid: String, container: String, node: String) async -> [UInt8]? {
        let path = PodLogFiles.path(dataDirectory: dataDirectory, namespace: namespace, pod: pod, uid: uid, container: container)
        return FileManager.default.contents(atPath: path).map { Array($0) } ?? []
    }
}
