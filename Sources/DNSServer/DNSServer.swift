import DNSWire
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why the DNS server could not start.
public enum DNSServerError: Error, CustomStringConvertible {
    case bind(host: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case .bind(let host, let port, let reason): return "cannot serve DNS on \(host):\(port): \(reason)"
        }
    }
}

/// The authoritative server: UDP and TCP listeners on one port, answering from the
/// publisher's current snapshot. UDP runs one socket per event loop (SO_REUSEPORT), so
/// queries use every core.
public final class DNSServer: Service, Sendable {
    public let host: String
    public let requestedPort: Int
    let box: ZoneSnapshotBox
    let group: any EventLoopGroup
    let logger: Logger
    let onListening: @Sendable (Int) -> Void
    let idleTimeout: TimeAmount

    public init(
        host: String, port: Int, box: ZoneSnapshotBox, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        idleTimeout: TimeAmount = .seconds(10), logger: Logger, onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.host = host
        self.requestedPort = port
        self.box = box
        self.group = group
        self.idleTimeout = idleTimeout
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let channels = try await bind()
        let port = channels.first?.localAddress?.port ?? requestedPort
        logger.info(
            "DNS server listening", metadata: ["meridian.dns.address": "\(host):\(port)", "meridian.dns.zone": "\(box.snapshot.origin)"])
        onListening(port)
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                for channel in channels { try? await channel.closeFuture.get() }
            } onGracefulShutdown: {
                for channel in channels { channel.close(promise: nil) }
            }
        } onCancel: {
            for channel in channels { channel.close(promise: nil) }
        }
        for channel in channels { try? await channel.close().get() }
    }

    /// Binds UDP first, then TCP on the same number, then the other UDP sockets. Another
    /// program may hold the TCP side of an ephemeral UDP port: a few fresh picks are tried.
    func bind() async throws(DNSServerError) -> [any Channel] {
        var lastError = ""
        for _ in 0..<(requestedPort == 0 ? 8 : 1) {
            var channels: [any Channel] = []
            do {
                let port = requestedPort == 0 ? try await unsharedUDPPort() : requestedPort
                channels.append(try await udp(port: port))
                channels.append(try await tcp(port: port))
                let loops = Array(group.makeIterator()).count
                for _ in 1..<max(1, loops) { channels.append(try await udp(port: port)) }
                return channels
            } catch {
                lastError = "\(error)"
                for channel in channels { try? await channel.close().get() }
            }
        }
        throw .bind(host: host, port: requestedPort, reason: lastError)
    }

    /// An ephemeral UDP port no socket holds. The kernel may pick, for a socket bound with
    /// SO_REUSEPORT, a port other such sockets of the same user already share, so letting
    /// the serving sockets pick could silently split queries with another process on this
    /// host (a CI run saw dig receive another dig's query as its answer). The pick is made
    /// by a socket without the option, then freed for the serving sockets.
    private func unsharedUDPPort() async throws -> Int {
        let probe = try await DatagramBootstrap(group: group).bind(host: host, port: 0).get()
        let port = probe.localAddress?.port ?? 0
        try await probe.close().get()
        return port
    }

    private func udp(port: Int) async throws -> any Channel {
        let answerer = QueryAnswerer(box: box)
        // SO_REUSEPORT only: with SO_REUSEADDR as well, any other UDP socket with
        // SO_REUSEADDR (dig's client sockets among them) may be given this port by the
        // kernel, and then takes the queries sent to it.
        return try await DatagramBootstrap(group: group)
            .channelOption(ChannelOptions.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: 1)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65535))
            // recvmmsg: up to 32 datagrams per system call, and several such reads per wakeup.
            .channelOption(.datagramVectorReadMessageCount, value: 32)
            .channelOption(.maxMessagesPerRead, value: 16)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UDPQueryHandler(answerer: answerer))
                }
            }
            .bind(host: host, port: port).get()
    }

    private func tcp(port: Int) async throws -> any Channel {
        let answerer = QueryAnswerer(box: box)
        let idle = idleTimeout
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(readTimeout: idle))
                    try sync.addHandler(ByteToMessageHandler(DNSFrameDecoder()))
                    try sync.addHandler(TCPQueryHandler(answerer: answerer))
                }
            }
            .bind(host: host, port: port).get()
    }
}
