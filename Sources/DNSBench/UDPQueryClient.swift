import DNSWire
import NIOCore
import NIOPosix

/// Asks one DNS server over UDP, one question at a time.
struct UDPQueryClient {
    let channel: NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>
    let server: SocketAddress

    static func connect(port: Int) async throws -> UDPQueryClient {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                }
            }
        return UDPQueryClient(channel: channel, server: try SocketAddress(ipAddress: "127.0.0.1", port: port))
    }

    /// Runs `body` with a function that sends a query and returns its response.
    func session<T: Sendable>(_ body: (_ ask: (DNSName, RecordType) async throws -> DNSMessage) async throws -> T) async throws -> T {
        try await channel.executeThenClose { inbound, outbound in
            var responses = inbound.makeAsyncIterator()
            var id: UInt16 = 0
            return try await body { name, type in
                id &+= 1
                let query = DNSMessage(header: DNSHeader(id: id), questions: [DNSQuestion(name: name, type: type)])
                try await outbound.write(AddressedEnvelope(remoteAddress: server, data: ByteBuffer(bytes: query.encoded())))
                while let envelope = try await responses.next() {
                    let response = try DNSMessage(decoding: Array(envelope.data.readableBytesView))
                    if response.header.id == id { return response }
                }
                throw CancellationError()
            }
        }
    }
}
