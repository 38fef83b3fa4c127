import NIOCore
import NIOPosix

/// One DNS exchange over TCP (RFC 1035 §4.2.2: two-octet length before each message):
/// sends a request, collects responses until `complete` says the last one came.
struct DNSTCPClient: Sendable {
    let host: String
    let port: Int
    let timeout: Duration

    func exchange(_ request: [UInt8], complete: @escaping @Sendable ([[UInt8]]) -> Bool) async throws(DNSProviderError) -> [[UInt8]] {
        let (host, port, timeout) = (host, port, timeout)
        do {
            return try await withThrowingTaskGroup(of: [[UInt8]].self) { group in
                group.addTask { try await Self.run(host: host, port: port, request: request, complete: complete) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw DNSProviderError.transport("no complete answer from \(host):\(port) within \(timeout)")
                }
                defer { group.cancelAll() }
                guard let messages = try await group.next() else { throw DNSProviderError.transport("exchange cancelled") }
                return messages
            }
        } catch let error as DNSProviderError {
            throw error
        } catch {
            throw .transport("\(host):\(port): \(error)")
        }
    }

    private static func run(host: String, port: Int, request: [UInt8], complete: @Sendable ([[UInt8]]) -> Bool) async throws -> [[UInt8]] {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var frame = ByteBuffer()
            frame.writeInteger(UInt16(request.count))
            frame.writeBytes(request)
            try await outbound.write(frame)
            var pending = ByteBuffer()
            var messages: [[UInt8]] = []
            for try await chunk in inbound {
                var chunk = chunk
                pending.writeBuffer(&chunk)
                while pending.readableBytes >= 2, let length = pending.getInteger(at: pending.readerIndex, as: UInt16.self),
                    pending.readableBytes >= 2 + Int(length)
                {
                    pending.moveReaderIndex(forwardBy: 2)
                    messages.append(pending.readBytes(length: Int(length)) ?? [])
                    if complete(messages) { return messages }
                }
            }
            throw DNSProviderError.transport("\(host):\(port) closed the connection before the answer was complete")
        }
    }
}
