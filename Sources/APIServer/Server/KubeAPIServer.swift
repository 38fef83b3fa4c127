import Foundation
import Hummingbird
import HummingbirdCore
import KubeAPI
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Store

/// A Kubernetes-compatible API server over one store: HTTPS (HTTP/2 and HTTP/1.1),
/// authentication, RBAC, every built-in resource and CRDs, plus its housekeeping
/// (namespace finalization, compaction).
public struct KubeAPIServer: Service {
    public let configuration: APIServerConfiguration
    public let store: any KVStore
    public let pki: PKI
    public let adminToken: String
    let metricsText: @Sendable () -> String
    let logSource: (any PodLogSource)?
    let clusterProxy: (any ClusterProxy)?
    let onListening: @Sendable (Int) async -> Void
    let logger: Logger

    public init(
        configuration: APIServerConfiguration, store: any KVStore, pki: PKI, adminToken: String,
        metricsText: @escaping @Sendable () -> String = { "" }, logSource: (any PodLogSource)? = nil,
        clusterProxy: (any ClusterProxy)? = nil, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.logSource = logSource
        self.clusterProxy = clusterProxy
        self.configuration = configuration
        self.store = store
        self.pki = pki
        self.adminToken = adminToken
        self.metricsText = metricsText
        self.logger = logger
        self.onListening = onListening
    }

    func tlsConfiguration() throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(pki.servingCertificatePEM.utf8)).map {
            NIOSSLCertificateSource.certificate($0)
        }
        let key = try NIOSSLPrivateKey(bytes: Array(pki.servingKeyPEM.utf8), format: .pem)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        // Client certificates are optional: requests may authenticate with tokens instead.
        tls.certificateVerification = .optionalVerification
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pki.caCertificatePEM.utf8)))
        return tls
    }

    public func run() async throws {
        let registry = ResourceRegistry(validators: configuration.customResourceValidators)
        let tokens = [adminToken: UserInfo(name: "meridian-admin", groups: ["system:masters", "system:authenticated"])]
        let authenticator = Authenticator(tokens: tokens, serviceAccounts: ServiceAccountTokens(key: pki.serviceAccountKey))
        let host = configuration.bindAddress == "0.0.0.0" ? "127.0.0.1" : configuration.bindAddress
        let advertised = ServerAddress("\(host):\(configuration.port)")
        let responder = APIResponder(
            store: store, registry: registry, authenticator: authenticator, serverAddress: advertised,
            metricsText: metricsText, logSource: logSource, clusterProxy: clusterProxy, logger: logger)
        try await Bootstrap.run(storage: responder.storage, registry: registry, logger: logger)
        let housekeeping: [any Service] = [
            NamespaceFinalizer(storage: responder.storage, registry: registry, logger: logger),
            Compactor(
                store: store, retentionSeconds: configuration.retentionSeconds, retentionRevisions: configuration.retentionRevisions,
                logger: logger),
            BookmarkTicker(store: store),
        ]
        let onListening = self.onListening
        let logger = self.logger
        let tls = try tlsConfiguration()
        let serverLogger = logger
        // HTTP/2 requests skip Hummingbird's per-stream channels (see HTTP2RequestDispatcher);
        // they are answered by the same responder, with the same context.
        let respondOverHTTP2: HTTP2RequestDispatcher.Respond = { request, channel in
            let context = KubeRequestContext(source: .init(channel: channel, logger: serverLogger))
            do {
                return try await responder.respond(to: request, context: context)
            } catch {
                serverLogger.error("request failed", metadata: ["error": "\(error)"])
                return Response(status: .internalServerError)
            }
        }
        let app = Application(
            responder: responder,
            server: HTTPServerBuilder { http1Responder in
                try KubeServerChannel(
                    tlsConfiguration: tls, http1Responder: http1Responder,
                    http1Configuration: .init(additionalChannelHandlers: [CloseOnHalfClosure()]), maxBodyBytes: APIResponder.maxBodyBytes,
                    respond: respondOverHTTP2)
            },
            configuration: .init(address: .hostname(configuration.bindAddress, port: configuration.port), serverName: nil),
            services: housekeeping,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                advertised.set("\(host):\(port)")
                logger.info("serving", metadata: ["meridian.port": "\(port)"])
                await onListening(port)
            },
            logger: logger)
        try await app.run()
    }
}
