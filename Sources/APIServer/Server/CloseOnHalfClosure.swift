import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose client has shut down its side. Without it an HTTP/1
/// watch would keep streaming into a half-closed socket (CLOSE-WAIT) until its timeout,
/// still costing work on every store event; closing it ends the watch at once.
final class CloseOnHalfClosure: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
