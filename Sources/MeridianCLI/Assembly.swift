import APIServer
import FederationAPI
import Foundation
import Logging
import Prometheus
import Sandbox
import ServiceLifecycle

/// The services of one sandbox cluster: its API server and, once it listens, its
/// controllers. `announce` hears the kubeconfig entry for it.
enum SandboxAssembly {
    static func services(
        configuration: SandboxConfiguration, dataDir: String, storage: StoreOptions, storeInstance: String?, bindAddress: String, port: Int,
        metrics: PrometheusCollectorRegistry,
        logger: Logger, announce: @escaping @Sendable (KubeconfigFile.Entry) -> Void
    ) throws -> [any Service] {
        let host = bindAddress == "0.0.0.0" ? "127.0.0.1" : bindAddress
        var configuration = configuration
        configuration.executablePath = SandboxCommand.executablePath
        configuration.dataDirectory = dataDir
        configuration.apiServerHost = host
        let name = configuration.name
        let (ports, announcePort) = AsyncStream<(Int, PKI)>.makeStream()
        let server = try ServerAssembly.apiServer(
            dataDir: dataDir, storage: storage, instance: storeInstance, bindAddress: bindAddress, port: port, contextName: name,
            kubeconfigPath: nil, metrics: metrics,
            logSource: SandboxPodLogs(dataDirectory: dataDir), logger: logger,
            onListening: { port, pki in
                announcePort.yield((port, pki))
                announcePort.finish()
                announce(KubeconfigFile.Entry(admin: pki, name: name, server: "https://\(host):\(port)"))
            })
        return server + [SandboxRuntime(configuration: configuration, host: host, ports: ports, logger: logger)]
    }
}

/// The services of a federation control plane: its API server and, once it listens, the
/// federation controllers.
enum FederationAssembly {
    static func services(
        name: String, dataDir: String, storage: StoreOptions, bindAddress: String, port: Int, probeInterval: Duration,
        kubeconfigPath: String?, pkiDirectory: String? = nil, leaderElection: LeaderElection = .disabled,
        propagationDenylist: Set<String> = [], dns: DNSOptions, metrics: PrometheusCollectorRegistry, logger: Logger,
        announce: @escaping @Sendable (KubeconfigFile.Entry) -> Void = { _ in }, announceDNS: @escaping @Sendable (Int) -> Void = { _ in }
    ) throws -> [any Service] {
        let host = bindAddress == "0.0.0.0" ? "127.0.0.1" : bindAddress
        let (ports, announcePort) = AsyncStream<(Int, PKI)>.makeStream()
        let proxy = FederationClusterProxy()
        let server = try ServerAssembly.apiServer(
            dataDir: dataDir, storage: storage, bindAddress: bindAddress, port: port, contextName: name, kubeconfigPath: kubeconfigPath,
            metrics: metrics, clusterProxy: proxy, pkiDirectory: pkiDirectory, customResourceValidators: PolicyValidation.validators,
            logger: logger,
            onListening: { port, pki in
                announcePort.yield((port, pki))
                announcePort.finish()
                announce(KubeconfigFile.Entry(admin: pki, name: name, server: "https://\(host):\(port)"))
            })
        let builtinDNS = try DNSAssembly(options: dns, federationName: name, bindAddress: bindAddress)
        return server + [
            builtinDNS.server(host: host, port: dns.dnsPort, logger: logger, announce: announceDNS),
            FederationRuntime(
                federationName: name, host: host, ports: ports, probeInterval: probeInterval, leaderElection: leaderElection,
                propagationDenylist: propagationDenylist, proxy: proxy, dns: builtinDNS, logger: logger),
        ]
    }
}

extension KubeconfigFile.Entry {
    init(admin pki: PKI, name: String, server: String) {
        self.init(
            name: name, server: server, caPEM: pki.caCertificatePEM, clientCertificatePEM: pki.adminCertificatePEM,
            clientKeyPEM: pki.adminKeyPEM, token: nil)
    }
}
