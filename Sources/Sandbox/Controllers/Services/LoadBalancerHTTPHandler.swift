import KubeClient
import NIOCore
import NIOHTTP1

/// Answers every HTTP request on a load-balancer listener with a short text naming the
/// cluster, the Service and the pod that "served" it (picked round-robin), then closes
/// the connection.
final class LoadBalancerHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let cluster: String
    let service: ObjectKey
    let backends: LoadBalancerBackends

    init(cluster: String, service: ObjectKey, backends: LoadBalancerBackends) {
        self.cluster = cluster
        self.service = service
        self.backends = backends
    }

    static func body(cluster: String, service: ObjectKey, pod: String) -> String {
        "cluster: \(cluster)\nnamespace: \(service.namespace)\nservice: \(service.name)\npod: \(pod)\n"
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        let status: HTTPResponseStatus
        let body: String
        if let pod = backends.next(for: service) {
            status = .ok
            body = Self.body(cluster: cluster, service: service, pod: pod)
        } else {
            // The last ready pod went away between accept and request.
            status = .serviceUnavailable
            body = "no ready endpoints for \(service)\n"
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
