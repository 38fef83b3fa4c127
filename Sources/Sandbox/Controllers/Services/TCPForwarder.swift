import NIOCore
import NIOPosix

/// Forwards one accepted load-balancer connection to a process pod: bytes read before
/// the outbound connection is up are held, then both directions are glued; either side
/// closing closes the other.
final class TCPForwarder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let target: LoadBalancerBackends.ForwardTarget
    private var partner: (any Channel)?
    private var pending: [ByteBuffer] = []
    private var closed = false

    init(target: LoadBalancerBackends.ForwardTarget) {
        self.target = target
    }

    func channelActive(context: ChannelHandlerContext) {
        let inbound = context.channel
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        ClientBootstrap(group: context.eventLoop)
            .connectTimeout(.seconds(2))
            .channelInitializer { outbound in
                outbound.eventLoop.makeCompletedFuture {
                    try outbound.pipeline.syncOperations.addHandler(ReturnPath(back: inbound))
                }
            }
            .connect(host: target.host, port: target.port)
            .hop(to: context.eventLoop)
            .whenComplete { result in
                let forwarder = loopBound.value
                switch result {
                case .success(let outbound):
                    if forwarder.closed {
                        outbound.close(promise: nil)
                        return
                    }
                    forwarder.partner = outbound
                    for buffer in forwarder.pending { outbound.write(buffer, promise: nil) }
                    forwarder.pending.removeAll()
                    outbound.flush()
                case .failure:
                    inbound.close(promise: nil)
                }
            }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if let partner { partner.writeAndFlush(buffer, promise: nil) } else { pending.append(buffer) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        partner?.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// The outbound connection's side: what the pod sends goes back to the client.
    final class ReturnPath: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let back: any Channel

        init(back: any Channel) { self.back = back }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            back.writeAndFlush(unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            back.close(promise: nil)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
