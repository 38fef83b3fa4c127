import APIServer
import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import Store

struct APIServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apiserver",
        abstract: "Run a standalone Kubernetes-compatible API server (no controllers).",
        discussion: """
            State (the SQLite store, certificates, credentials) lives in --data-dir; restarting with the same directory keeps everything.

            Examples:
              meridian apiserver --data-dir ./data --write-kubeconfig ./kubeconfig
              meridian apiserver --data-dir /tmp/m --port 0 --write-kubeconfig kc
              meridian apiserver --data-dir ./a --store etcd --etcd-endpoints http://127.0.0.1:2379
            """)

    @Option(help: "Directory for the store, certificates and credentials.")
    var dataDir: String

    @Option(help: "Write a kubeconfig (context 'apiserver') for the admin user to this file.")
    var writeKubeconfig: String?

    @OptionGroup var storage: StoreOptions

    @OptionGroup var listen: ListenOptions

    func run() async throws {
        let logger = ProcessBootstrap.logger(label: "meridian.apiserver", level: listen.logLevel)
        let metrics = ProcessBootstrap.metrics()
        let services = try ServerAssembly.apiServer(
            dataDir: dataDir, storage: storage, bindAddress: listen.bindAddress, port: listen.port, contextName: "apiserver",
            kubeconfigPath: writeKubeconfig, metrics: metrics, logger: logger,
            onListening: { _, _ in ResidentMemory.releaseStartupCode() })
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Process-wide setup done once by a command: logging and the metrics backend.
enum ProcessBootstrap {
    static func logger(label: String, level: String) -> Logger {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: level) ?? .info
        return logger
    }

    static func metrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }
}

/// Builds the services the commands run.
enum ServerAssembly {
    struct StartupError: Error, CustomStringConvertible {
        var description: String
    }

    static func adminToken(dataDir: String) throws -> String {
        let path = (dataDir as NSString).appendingPathComponent("admin.token")
        if let existing = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
            !existing.isEmpty
        {
            return existing
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        let token = bytes.map { String(format: "%02x", $0) }.joined()
        try token.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        return token
    }

    /// The API server's services: the store's own service (if it has one) first, so that
    /// it stops last.
    static func apiServer(
        dataDir: String, storage: StoreOptions, instance: String? = nil, bindAddress: String, port: Int, contextName: String,
        kubeconfigPath: String?,
        metrics: PrometheusCollectorRegistry, logSource: (any PodLogSource)? = nil, clusterProxy: (any ClusterProxy)? = nil,
        pkiDirectory: String? = nil, customResourceValidators: [String: CustomResourceValidator] = [:], logger: Logger,
        onListening: @escaping @Sendable (Int, PKI) async -> Void = { _, _ in }
    ) throws -> [any Service] {
        do {
            try FileManager.default.createDirectory(
                atPath: dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StartupError(description: "cannot create data directory \(dataDir): \(error.localizedDescription)")
        }
        let hosts = bindAddress == "0.0.0.0" ? [] : [bindAddress]
        // A PKI made elsewhere (`meridian init` mounts it from a Secret) is used as it is.
        let pki = try pkiDirectory.map { try PKI.load(directory: $0) } ?? PKI.loadOrCreate(directory: dataDir, hosts: hosts)
        let token = try adminToken(dataDir: dataDir)
        let (store, storeService) = try storage.open(dataDir: dataDir, instance: instance, logger: logger)
        let host = bindAddress == "0.0.0.0" ? "127.0.0.1" : bindAddress
        var configuration = APIServerConfiguration(bindAddress: bindAddress, port: port, dataDirectory: dataDir, advertiseHosts: hosts)
        configuration.customResourceValidators = customResourceValidators
        let server = KubeAPIServer(
            configuration: configuration, store: store, pki: pki, adminToken: token,
            metricsText: {
                var buffer: [UInt8] = []
                metrics.emit(into: &buffer)
                return String(decoding: buffer, as: UTF8.self)
            },
            logSource: logSource, clusterProxy: clusterProxy, logger: logger,
            onListening: { actualPort in
                await onListening(actualPort, pki)
                guard let kubeconfigPath else { return }
                let file = KubeconfigFile(
                    name: contextName, server: "https://\(host):\(actualPort)", caPEM: pki.caCertificatePEM,
                    clientCertificatePEM: pki.adminCertificatePEM, clientKeyPEM: pki.adminKeyPEM)
                do {
                    try file.write(to: kubeconfigPath)
                } catch {
                    logger.error("cannot write kubeconfig", metadata: ["path": "\(kubeconfigPath)", "error": "\(error)"])
                }
            })
        return (storeService.map { [$0] } ?? []) + [server]
    }
}
