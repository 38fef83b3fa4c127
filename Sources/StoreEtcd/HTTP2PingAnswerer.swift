import NIOCore
import NIOHTTP2

/// Answers the server's HTTP/2 PING frames below the HTTP/2 handler, so they never reach
/// it.
///
/// etcd's gRPC server (grpc-go) estimates bandwidth with a PING after nearly every request
/// it receives; swift-nio-http2 counts every PING against a denial-of-service limit of 200
/// control frames in 30 seconds and closes the connection past it, failing every request
/// on it. grpc-swift offers no way to raise that limit, so the PINGs are acknowledged here,
/// as the HTTP/2 handler would have, and the rest of the byte stream passes untouched.
final class HTTP2PingAnswerer: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private static let headerLength = 9
    private static let ping: UInt8 = 0x6
    private static let ack: UInt8 = 0x1

    /// Bytes of a frame not yet complete.
    private var pending: ByteBuffer?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if var earlier = pending {
            earlier.writeBuffer(&buffer)
            buffer = earlier
            pending = nil
        }
        // Whole frames other than PINGs are forwarded in runs, without copying. Indices stay
        // at or past the reader index, where ByteBuffer's get methods read.
        var runStart = buffer.readerIndex
        var offset = buffer.readerIndex
        var answered = false
        while buffer.writerIndex - offset >= Self.headerLength {
            guard let lengthHigh = buffer.getInteger(at: offset, as: UInt8.self),
                let lengthLow = buffer.getInteger(at: offset + 1, as: UInt16.self),
                let type = buffer.getInteger(at: offset + 3, as: UInt8.self),
                let flags = buffer.getInteger(at: offset + 4, as: UInt8.self)
            else { break }
            let frameLength = Self.headerLength + (Int(lengthHigh) << 16 | Int(lengthLow))
            guard buffer.writerIndex - offset >= frameLength else { break }
            if type == Self.ping && flags & Self.ack == 0 && frameLength == Self.headerLength + 8,
                let payload = buffer.getSlice(at: offset + Self.headerLength, length: 8)
            {
                if offset > runStart, let run = buffer.getSlice(at: runStart, length: offset - runStart) {
                    context.fireChannelRead(wrapInboundOut(run))
                }
                var reply = context.channel.allocator.buffer(capacity: frameLength)
                reply.writeInteger(UInt8(0))
                reply.writeInteger(UInt16(8))
                reply.writeInteger(Self.ping)
                reply.writeInteger(Self.ack)
                reply.writeInteger(UInt32(0))
                reply.writeImmutableBuffer(payload)
                context.write(wrapOutboundOut(reply), promise: nil)
                answered = true
                runStart = offset + frameLength
            }
            offset += frameLength
        }
        if offset > runStart, let run = buffer.getSlice(at: runStart, length: offset - runStart) {
            context.fireChannelRead(wrapInboundOut(run))
        }
        if buffer.writerIndex > offset {
            buffer.moveReaderIndex(to: offset)
            pending = buffer.slice()
        }
        if answered { context.flush() }
    }

    /// Installs the answerer in front of a connection's HTTP/2 handler.
    static func install(on channel: any Channel) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            let http2 = try channel.pipeline.syncOperations.handler(type: NIOHTTP2Handler.self)
            try channel.pipeline.syncOperations.addHandler(HTTP2PingAnswerer(), position: .before(http2))
        }
    }
}
