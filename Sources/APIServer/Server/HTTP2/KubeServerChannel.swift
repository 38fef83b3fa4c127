import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP2
import NIOSSL
import NIOTLS
import ServiceLifecycle

/// The API server's connections: TLS, then by ALPN either HTTP/1.1 (Hummingbird's own
/// HTTP/1 channel) or HTTP/2 served by `HTTP2RequestDispatcher`.
struct KubeServerChannel: ServerChildChannel {
    enum Negotiated: Sendable {
        case http1(HTTP1Channel.Value)
        case http2
    }

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        let channel: any Channel
    }

    let sslContext: NIOSSLContext
    let http1: HTTP1Channel
    let maxBodyBytes: Int
    let respond: HTTP2RequestDispatcher.Respond

    /// kube-apiserver (Go's HTTP/2 server) allows 250 concurrent streams per connection.
    static let maxConcurrentStreams = 250

    init(
        tlsConfiguration: TLSConfiguration, http1Responder: @escaping HTTPChannelHandler.Responder,
        http1Configuration: HTTP1Channel.Configuration, maxBodyBytes: Int, respond: @escaping HTTP2RequestDispatcher.Respond
    ) throws {
        var tls = tlsConfiguration
        tls.applicationProtocols = ["h2", "http/1.1"]
        sslContext = try NIOSSLContext(configuration: tls)
        http1 = HTTP1Channel(responder: http1Responder, configuration: http1Configuration)
        self.maxBodyBytes = maxBodyBytes
        self.respond = respond
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let http1 = self.http1
        let maxBodyBytes = self.maxBodyBytes
        let respond = self.respond
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
            let negotiation = NIOTypedApplicationProtocolNegotiationHandler<Negotiated> { result in
                switch result {
                case .negotiated("h2"):
                    return channel.eventLoop.makeCompletedFuture {
                        let settings: HTTP2Settings = [
                            HTTP2Setting(parameter: .maxConcurrentStreams, value: Self.maxConcurrentStreams),
                            HTTP2Setting(
                                parameter: .initialWindowSize, value: HTTP2RequestDispatcher.streamWindow(maxBodyBytes: maxBodyBytes)),
                            HTTP2Setting(parameter: .maxHeaderListSize, value: 1 << 20),
                        ]
                        try channel.pipeline.syncOperations.addHandler(NIOHTTP2Handler(mode: .server, initialSettings: settings))
                        try channel.pipeline.syncOperations.addHandler(HTTP2RequestDispatcher(maxBodyBytes: maxBodyBytes, respond: respond))
                        return .http2
                    }
                case .negotiated("http/1.1"), .fallback:
                    return http1.setup(channel: channel, logger: logger).map { .http1($0) }
                case .negotiated:
                    return channel.close().flatMap { channel.eventLoop.makeFailedFuture(NIOHTTP2Errors.invalidALPNToken()) }
                }
            }
            try channel.pipeline.syncOperations.addHandler(negotiation)
            return Value(negotiated: negotiation.protocolNegotiationResult, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.negotiated.get() {
            case .http1(let connection):
                await http1.handle(value: connection, logger: logger)
            case .http2:
                // The dispatcher runs the requests; this task only keeps the connection
                // counted by the server until it closes (or the server shuts down).
                try await withGracefulShutdownHandler {
                    try await value.channel.closeFuture.get()
                } onGracefulShutdown: {
                    value.channel.close(promise: nil)
                }
            }
        } catch {
            logger.debug("connection ended", metadata: ["error": "\(error)"])
        }
    }
}
