import ArgumentParser
import Federation
import FederationAPI
import Foundation
import KubeAPI
import KubeClient
import Logging
import Sandbox
import ServiceLifecycle

struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Start a whole local federation: a control plane and sandbox member clusters, joined.",
        discussion: """
            One process runs the federation control plane (context "meridian") and N sandbox members (member-1 … member-N \
            in region-1 … region-N), joins them and writes a kubeconfig with every context. Restarting with the same \
            --data-dir keeps all state.

            Examples:
              meridian up
              meridian up --members 3 --data-dir ./fed
              KUBECONFIG=~/.meridian/up/kubeconfig kubectl get clusters
            """)

    @Option(help: "Number of sandbox member clusters.")
    var members: Int = 2

    @Option(help: "Directory for all state (default: ~/.meridian/up).")
    var dataDir: String?

    @Option(help: "Port of the federation API server (0 picks a free one); members get free ports.")
    var port: Int = 0

    @Option(help: "Virtual nodes per member.")
    var nodes: Int = 3

    @Option(help: "Write the kubeconfig here (default: <data-dir>/kubeconfig).")
    var kubeconfig: String?

    @Flag(help: "Also merge the contexts into $KUBECONFIG (first file) or ~/.kube/config.")
    var mergeKubeconfig = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "warning"

    @OptionGroup var dns: DNSOptions

    func validate() throws {
        guard (1...100).contains(members) else { throw ValidationError("--members must be between 1 and 100, not \(members)") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, not \(port)") }
        guard (1...250).contains(nodes) else { throw ValidationError("--nodes must be between 1 and 250, not \(nodes)") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \(logLevel) is not a log level") }
    }

    var root: String { dataDir ?? (NSHomeDirectory() as NSString).appendingPathComponent(".meridian/up") }

    func run() async throws {
        let logger = ProcessBootstrap.logger(label: "meridian.up", level: logLevel)
        let metrics = ProcessBootstrap.metrics()
        let (listening, announce) = AsyncStream<KubeconfigFile.Entry>.makeStream()
        let (dnsPorts, announceDNS) = AsyncStream<Int>.makeStream()
        let embedded = try StoreOptions.parse([])
        var services = try FederationAssembly.services(
            name: "meridian", dataDir: (root as NSString).appendingPathComponent("control-plane"), storage: embedded,
            bindAddress: "127.0.0.1", port: port, probeInterval: .seconds(1), kubeconfigPath: nil, dns: dns, metrics: metrics,
            logger: logger, announce: { announce.yield($0) },
            announceDNS: {
                announceDNS.yield($0)
                announceDNS.finish()
            })
        var prefixes = Set<String>()
        let names = (1...members).map { "member-\($0)" }
        var topology: [String: UpCoordinator.Topology] = [:]
        for (i, name) in names.enumerated() {
            let region = "region-\(i + 1)"
            topology[name] = .init(region: region, zone: "\(region)-a")
            let configuration = SandboxConfiguration(
                name: name, region: region, zone: "\(region)-a", nodeCount: nodes,
                loadBalancerPrefix: SandboxCommand.uniquePrefix(for: name, taken: &prefixes))
            services += try SandboxAssembly.services(
                configuration: configuration, dataDir: (root as NSString).appendingPathComponent(name), storage: embedded,
                storeInstance: nil, bindAddress: "127.0.0.1", port: 0,
                metrics: metrics, logger: logger, announce: { announce.yield($0) })
        }
        services.append(
            UpCoordinator(
                federationName: "meridian", members: names, topology: topology, entries: listening, dnsPorts: dnsPorts,
                dnsZone: dns.zone.description,
                kubeconfigPath: kubeconfig ?? (root as NSString).appendingPathComponent("kubeconfig"), mergeKubeconfig: mergeKubeconfig,
                logger: logger))
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Once every API server listens: writes the kubeconfig, joins the members (again, on a
/// restart: ports may have changed), waits for them to be Ready and says how to use it.
struct UpCoordinator: Service {
    struct Topology: Sendable {
        var region: String
        var zone: String
    }

    let federationName: String
    let members: [String]
    /// Where each member runs: given to the join, since a sandbox that has just started
    /// may not have the labelled nodes a join would read it from.
    let topology: [String: Topology]
    let entries: AsyncStream<KubeconfigFile.Entry>
    let dnsPorts: AsyncStream<Int>
    let dnsZone: String
    let kubeconfigPath: String
    let mergeKubeconfig: Bool
    let logger: Logger

    func run() async throws {
        let start = ContinuousClock.now
        var byName: [String: KubeconfigFile.Entry] = [:]
        for await entry in entries.cancelOnGracefulShutdown() {
            byName[entry.name] = entry
            if byName.count == members.count + 1 { break }
        }
        guard byName.count == members.count + 1, let fedEntry = byName[federationName] else { return }
        let ordered = [fedEntry] + members.compactMap { byName[$0] }
        try KubeconfigFile(entries: ordered).write(to: kubeconfigPath)
        if mergeKubeconfig { try merge(ordered) }
        let federation = try KubeClient(fedEntry.configuration)
        do {
            for name in members {
                guard let entry = byName[name] else { continue }
                let member = try KubeClient(entry.configuration)
                do {
                    try await ClusterRegistration(
                        cluster: name, federationName: federationName, region: topology[name]?.region, zone: topology[name]?.zone
                    ).join(
                        member: member, memberConfiguration: entry.configuration, federation: federation)
                } catch {
                    await member.shutdown()
                    throw error
                }
                await member.shutdown()
            }
            try await waitUntilReady(federation)
        } catch {
            await federation.shutdown()
            throw error
        }
        await federation.shutdown()
        let elapsed = ContinuousClock.now - start
        var dnsIterator = dnsPorts.makeAsyncIterator()
        let dnsPort = await dnsIterator.next() ?? 0
        // Written straight to the descriptor: stdout may be a file, where print() buffers.
        FileHandle.standardOutput.write(
            Data(
                """
                Meridian federation is up (\(members.count) members Ready in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))).
                  export KUBECONFIG=\(kubeconfigPath)
                  kubectl get clusters                      # context \(federationName)
                  kubectl create deployment web --image=nginx --replicas=\(members.count * 2)
                  kubectl --context \(members[0]) get pods   # each member runs its share
                  kubectl expose deployment web --type=LoadBalancer --port=80
                  dig @127.0.0.1 -p \(dnsPort) web.default.\(federationName).svc.\(dnsZone)   # healthy endpoints
                DNS: 127.0.0.1 port \(dnsPort), zone \(dnsZone)
                Contexts: \(ordered.map(\.name).joined(separator: ", ")). Ctrl-C stops; state stays in the data directory.

                """.utf8))
        try? await gracefulShutdown()
    }

    private func waitUntilReady(_ federation: KubeClient) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        // Probed by this run, not a state kept from the last one (whole seconds: lastProbeTime's precision).
        let since = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        while ContinuousClock.now < deadline {
            let clusters = try await federation.list(Cluster.self)
            let fresh = clusters.filter { cluster in
                let probed = (cluster.object["status"]["conditions"].arrayValue ?? []).first { $0["type"] == "Ready" }?["lastProbeTime"]
                return cluster.isReady && (probed?.stringValue.flatMap(Timestamp.parse).map { $0 >= since } ?? false)
            }
            if fresh.count >= members.count { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CLIError("members did not become Ready within 60 s")
    }

    private func merge(_ entries: [KubeconfigFile.Entry]) throws {
        let target = Kubeconfig.defaultPaths().first ?? (NSHomeDirectory() as NSString).appendingPathComponent(".kube/config")
        for e in entries {
            try KubeconfigWriter.upsert(
                path: target, cluster: .init(name: e.name, server: e.server, certificateAuthorityPEM: e.caPEM),
                user: .init(name: e.name, clientCertificatePEM: e.clientCertificatePEM, clientKeyPEM: e.clientKeyPEM),
                context: .init(name: e.name, cluster: e.name, user: e.name))
        }
    }
}

extension KubeconfigFile.Entry {
    var configuration: ClientConfiguration {
        ClientConfiguration(
            server: server, caPEM: caPEM, clientCertificatePEM: clientCertificatePEM, clientKeyPEM: clientKeyPEM, token: token)
    }
}
