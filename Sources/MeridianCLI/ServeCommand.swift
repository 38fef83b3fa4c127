import APIServer
import ArgumentParser
import Federation
import FederationAPI
import Foundation
import KubeAPI
import KubeClient
import Logging
import Reconcile
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
              meridian serve --data-dir ./fed --dns-port 5353 --dns-zone-name example.com. --federation-name myfed
              dig @127.0.0.1 -p 5353 web.default.myfed.svc.example.com
            """)

    @Option(help: "Directory for the store, certificates and credentials.")
    var dataDir: String

    @Option(help: "Name of the federation: the context name in the written kubeconfig.")
    var federationName: String = "meridian"

    @Option(help: "Write a kubeconfig (context named after the federation) to this file.")
    var writeKubeconfig: String?

    @Option(
        help: ArgumentHelp(
            "Use the certificates in this directory (ca.crt, ca.key, apiserver.crt/.key, admin.crt/.key, sa.key) instead of making them in --data-dir.",
            discussion: "This is how `meridian init` hands the control plane its credentials: a Secret mounted read-only."))
    var pkiDir: String?

    @Option(help: "Milliseconds between health probes of each member's /readyz.")
    var clusterProbeIntervalMs: Int = 1000

    @Option(help: "Elect one leader among control planes sharing a store; only the leader runs the controllers.")
    var leaderElect = true

    @Option(help: "Seconds a follower waits for a silent leader before taking over.")
    var leaderElectLeaseDuration = 10

    @Option(
        help: ArgumentHelp(
            "Resources never propagated to members, comma-separated, as `kubectl api-resources` names them.",
            discussion: "For example: secrets,roles.rbac.authorization.k8s.io,widgets.example.com (core resources without a group).",
            valueName: "resource[.group],..."))
    var propagationDenylist: [String] = []

    var denylist: Set<String> {
        Set(propagationDenylist.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
    }

    @OptionGroup var dns: DNSOptions

    @OptionGroup var storage: StoreOptions

    @OptionGroup var listen: ListenOptions

    func validate() throws {
        guard Validation.dns1123Label(federationName).isEmpty else {
            throw ValidationError("--federation-name \(federationName) is not a valid name (lower-case letters, digits and '-')")
        }
        for entry in denylist
        where entry.isEmpty || entry.contains("/")
            || entry.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty)
        {
            throw ValidationError("--propagation-denylist entry '\(entry)' is not resource or resource.group")
        }
        guard (2...300).contains(leaderElectLeaseDuration) else {
            throw ValidationError("--leader-elect-lease-duration must be between 2 and 300 seconds")
        }
        guard clusterProbeIntervalMs >= 100 else { throw ValidationError("--cluster-probe-interval-ms must be at least 100") }
    }

    func run() async throws {
        let logger = ProcessBootstrap.logger(label: "meridian.serve", level: listen.logLevel)
        let metrics = ProcessBootstrap.metrics()
        let services = try FederationAssembly.services(
            name: federationName, dataDir: dataDir, storage: storage, bindAddress: listen.bindAddress, port: listen.port,
            probeInterval: .milliseconds(clusterProbeIntervalMs),
            kubeconfigPath: writeKubeconfig, pkiDirectory: pkiDir,
            leaderElection: leaderElect ? .enabled(leaseDuration: .seconds(leaderElectLeaseDuration)) : .disabled,
            propagationDenylist: denylist, dns: dns, metrics: metrics, logger: logger)
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
    let leaderElection: LeaderElection
    let propagationDenylist: Set<String>
    let proxy: FederationClusterProxy
    let dns: DNSAssembly
    let logger: Logger

    func run() async throws {
        var iterator = ports.makeAsyncIterator()
        guard let (port, pki) = await iterator.next() else { return }
        let client = try KubeClient(
            ClientConfiguration(
                server: "https://\(host):\(port)", caPEM: pki.caCertificatePEM, clientCertificatePEM: pki.adminCertificatePEM,
                // Every serving certificate names localhost; one made by `meridian init` need not name the pod's IP.
                clientKeyPEM: pki.adminKeyPEM, tlsServerName: "localhost"), maxConnections: 16)
        do {
            try await FederationBootstrap.install(client)
        } catch {
            await client.shutdown()
            throw error
        }
        let members = MemberClients()
        let http = DNSAssembly.probeClient()
        await proxy.attach(federation: client, members: members)
        let identity = LeaderElector.Configuration.defaultIdentity()
        let leadership = Leadership(leading: { if case .disabled = leaderElection { true } else { false } }())
        // Every replica serves the API, the cluster proxy and DNS, and probes every endpoint
        // DNS publishes; only the leader reconciles the rest.
        let dnsInformers = SharedInformers(client: client, logger: logger)
        let replicaDNS = dns.replicaServices(
            federation: client, informers: dnsInformers, http: http, identity: identity, leadership: leadership, logger: logger)
        let runControllers: @Sendable () async throws -> Void = { [federationName, probeInterval, propagationDenylist, dns, logger] in
            let informers = SharedInformers(client: client, logger: logger)
            let services =
                ClusterHealthController.make(
                    federation: client, informers: informers, members: members, interval: probeInterval, logger: logger)
                + PropagationController.make(
                    federation: client, federationName: federationName, informers: informers, members: members,
                    denylist: propagationDenylist, logger: logger,
                    onMemberChange: { [dns] in dns.memberChanged(cluster: $0, type: $1, event: $2) })
                + dns.leaderServices(logger: logger)
            try await leadership.lead {
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask { await informers.run() }
                    for service in services { group.addTask { try await service.run() } }
                }
            }
        }
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await dnsInformers.run() }
                    for service in replicaDNS { group.addTask { try await service.run() } }
                    group.addTask {
                        switch leaderElection {
                        case .disabled:
                            try await runControllers()
                        case .enabled(let leaseDuration):
                            let elector = LeaderElector(
                                client: client,
                                configuration: .init(
                                    namespace: Federation.systemNamespace, name: "meridian-controllers", identity: identity,
                                    leaseDuration: leaseDuration, renewDeadline: leaseDuration * 0.8,
                                    retryPeriod: min(.seconds(2), leaseDuration / 5)),
                                logger: logger)
                            try await elector.run(lead: runControllers)
                        }
                    }
                    // Whichever part ends first (shutdown, or a failure) ends the others.
                    defer { group.cancelAll() }
                    try await group.next()
                }
            }
        } catch {
            await members.shutdown()
            await client.shutdown()
            try? await http.shutdown()
            throw error
        }
        await members.shutdown()
        await client.shutdown()
        try? await http.shutdown()
    }
}

/// Whether `serve` elects a leader among replicas sharing one store.
enum LeaderElection: Sendable {
    case disabled
    case enabled(leaseDuration: Duration)
}
