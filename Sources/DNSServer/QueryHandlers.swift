import DNSWire
import NIOCore

/// What both listeners do with a query: answer it from the current snapshot, counted.
struct QueryAnswerer: Sendable {
    let box: ZoneSnapshotBox
    let metrics = DNSServerMetrics()
    let responder = QueryResponder()

    func answer(_ buffer: ByteBuffer, over transport: QueryResponder.Transport) -> [[UInt8]] {
        let query = Array(buffer.readableBytesView)
        let snapshot = box.snapshot
        let responses: [[UInt8]]
        if let cached = snapshot.responses.lookup(query, tcp: transport == .tcp) {
            responses = cached
        } else {
            responses = responder.respond(to: query, over: transport, snapshot: snapshot)
            snapshot.responses.store(query, tcp: transport == .tcp, responses)
        }
        for response in responses { metrics.count(response, transport: transport) }
        return responses
    }
}

/// Answers each datagram from the current snapshot, on the event loop, without awaiting.
final class UDPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let answerer: QueryAnswerer

    init(answerer: QueryAnswerer) { self.answerer = answerer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        for response in answerer.answer(envelope.data, over: .udp) {
            let buffer = context.channel.allocator.buffer(bytes: response)
            context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)), promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A datagram socket error (an ICMP unreachable for an earlier answer, say) is about
        // one peer; the socket stays up.
    }
}

/// Splits a TCP stream into DNS messages: a two-octet length, then that many octets.
struct DNSFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
            buffer.readableBytes >= 2 + Int(length)
        else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 2)
        guard let frame = buffer.readSlice(length: Int(length)) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }
}

/// Answers each framed message of a TCP connection in order (several per connection);
/// closes the connection when it idles.
final class TCPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let answerer: QueryAnswerer

    init(answerer: QueryAnswerer) { self.answerer = answerer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        for response in answerer.answer(unwrapInboundIn(data), over: .tcp) {
            var buffer = context.channel.allocator.buffer(capacity: response.count + 2)
            buffer.writeInteger(UInt16(response.count))
            buffer.writeBytes(response)
            context.write(wrapOutboundOut(buffer), promise: nil)
        }
        context.flush()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
