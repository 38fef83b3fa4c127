import EtcdProto
import GRPCCore
import GRPCNIOTransportHTTP2
import NIOCore
import Store

/// The gRPC channel to an etcd cluster and its service clients. Several endpoints are
/// balanced round-robin: a member that goes away is skipped until it answers again.
final class EtcdConnection: Sendable {
    typealias Transport = HTTP2ClientTransport.Posix

    let grpc: GRPCClient<Transport>
    let kv: Etcdserverpb_KV.Client<Transport>
    let watch: Etcdserverpb_Watch.Client<Transport>
    let maintenance: Etcdserverpb_Maintenance.Client<Transport>
    let requestTimeout: Duration
    /// The deadline of every unary request.
    let deadlines: EtcdDeadlines
    /// The transport `grpc` runs, for unary requests made on its streams directly.
    let transport: Transport

    init(_ configuration: EtcdConfiguration) throws(StoreError) {
        let transport: Transport
        do {
            transport = try Transport(
                target: try Self.target(configuration.endpoints),
                transportSecurity: try Self.security(configuration),
                config: .defaults { config in
                    // Reconnect soon after etcd comes back.
                    config.backoff = .init(initial: .milliseconds(100), max: .seconds(2), multiplier: 1.6, jitter: 0.2)
                    config.connection.keepalive = nil
                    config.channelDebuggingCallbacks.onCreateTCPConnection = { HTTP2PingAnswerer.install(on: $0) }
                },
                serviceConfig: ServiceConfig(loadBalancingConfig: [.roundRobin]))
        } catch let error as StoreError {
            throw error
        } catch {
            throw .unavailable("cannot set up the etcd client: \(error)")
        }
        self.transport = transport
        grpc = GRPCClient(transport: transport)
        kv = Etcdserverpb_KV.Client(wrapping: grpc)
        watch = Etcdserverpb_Watch.Client(wrapping: grpc)
        maintenance = Etcdserverpb_Maintenance.Client(wrapping: grpc)
        requestTimeout = configuration.requestTimeout
        deadlines = EtcdDeadlines(timeout: configuration.requestTimeout)
    }

    /// Unary requests fail at once while etcd cannot be reached, and at the deadline
    /// (`deadlines`) when it does not answer.
    var unary: CallOptions {
        var options = streaming
        options.waitForReady = false
        return options
    }

    /// etcd answers a range with every key in one message, and a watch catching up with
    /// many events at once: far past gRPC's default 4 MiB (kube-apiserver lifts it too).
    /// grpc-swift-nio-transport 2.9 bounds received messages by the request limit, so both
    /// are raised (etcd bounds requests itself, by default to 1.5 MiB).
    var streaming: CallOptions {
        var options = CallOptions.defaults
        options.maxResponseMessageBytes = Self.maxResponseBytes
        options.maxRequestMessageBytes = Self.maxResponseBytes
        return options
    }

    static let maxResponseBytes = 1 << 30

    /// Every endpoint as an address of one family; names are resolved once, here.
    static func target(_ endpoints: [EtcdConfiguration.Endpoint]) throws(StoreError) -> any ResolvableTarget {
        if endpoints.count == 1, let only = endpoints.first, !isLiteral(only.host) {
            return .dns(host: only.host, port: only.port)
        }
        var v4: [(host: String, port: Int)] = []
        var v6: [(host: String, port: Int)] = []
        for endpoint in endpoints {
            let address: NIOCore.SocketAddress
            do {
                address = try NIOCore.SocketAddress.makeAddressResolvingHost(endpoint.host, port: endpoint.port)
            } catch {
                throw .unavailable("cannot resolve etcd endpoint \(endpoint): \(error)")
            }
            switch address {
            case .v4: v4.append((address.ipAddress ?? endpoint.host, endpoint.port))
            case .v6: v6.append((address.ipAddress ?? endpoint.host, endpoint.port))
            case .unixDomainSocket: throw .unavailable("etcd endpoint \(endpoint) is not an IP endpoint")
            }
        }
        if !v4.isEmpty && !v6.isEmpty { throw .unavailable("etcd endpoints mix IPv4 and IPv6 addresses") }
        return v6.isEmpty ? .ipv4(pairs: v4) : .ipv6(pairs: v6)
    }

    private static func isLiteral(_ host: String) -> Bool {
        (try? NIOCore.SocketAddress(ipAddress: host, port: 0)) != nil
    }

    static func security(_ configuration: EtcdConfiguration) throws(StoreError) -> Transport.TransportSecurity {
        let secure = configuration.endpoints.filter(\.secure).count
        if secure > 0 && secure < configuration.endpoints.count { throw .unavailable("etcd endpoints mix http and https") }
        guard secure > 0 || configuration.tls != nil else { return .plaintext }
        let files = configuration.tls ?? .init()
        if (files.certFile == nil) != (files.keyFile == nil) {
            throw .unavailable("a client certificate for etcd needs both a certificate file and a key file")
        }
        return .tls { tls in
            if let ca = files.caFile { tls.trustRoots = .certificates([.file(path: ca, format: .pem)]) }
            if let cert = files.certFile, let key = files.keyFile {
                tls.certificateChain = [.file(path: cert, format: .pem)]
                tls.privateKey = .file(path: key, format: .pem)
            }
        }
    }

    /// Runs the connections until the task is cancelled or `close()` is called.
    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.deadlines.run() }
            do {
                try await grpc.runConnections()
            } catch {
                // runConnections only throws once it has stopped; requests then fail as unavailable.
            }
            group.cancelAll()
        }
    }

    func close() { grpc.beginGracefulShutdown() }
}

extension StoreError {
    /// A failed etcd request as a store error (503 when etcd cannot answer, 504 past the
    /// deadline). Out-of-range answers (compacted or future revisions) are told apart by
    /// the caller, who knows the revision it asked for.
    static func from(_ error: any Error, _ what: String) -> StoreError {
        if let store = error as? StoreError { return store }
        guard let rpc = error as? RPCError else {
            if error is CancellationError { return .unavailable("etcd request cancelled: \(what)") }
            return .unavailable("etcd request failed: \(what): \(error)")
        }
        switch rpc.code {
        case .deadlineExceeded: return .timeout("etcd \(what)")
        case .unavailable, .resourceExhausted, .aborted, .cancelled, .unknown, .internalError:
            return .unavailable("etcd is unavailable (\(what)): \(rpc.message)\(rpc.cause.map { " (\($0))" } ?? "")")
        default:
            return .corrupt("etcd refused \(what): \(rpc.code): \(rpc.message)")
        }
    }

    static func isOutOfRange(_ error: any Error) -> Bool {
        (error as? RPCError)?.code == .outOfRange
    }
}
