import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP2

/// Serves HTTP/2 requests straight off a connection's frames.
///
/// Hummingbird's HTTP/2 server gives every stream a child channel with three handlers and
/// an async channel (an inbound stream and an outbound writer) before the request reaches
/// the responder. For a GET of one object that machinery cost more CPU than the API server
/// itself (a GET over HTTP/1.1 cost ~40 % less server CPU than over HTTP/2). Here a request
/// is collected from its HEADERS and DATA frames on the connection's event loop, answered
/// by one task, and its response goes back as frames (HEADERS + DATA in one flush for a
/// response of known length; streamed DATA frames, each awaited, for watches).
///
/// NIOHTTP2Handler keeps the protocol state (stream states, header validation, outbound
/// flow control, SETTINGS and PING); what a multiplexer would otherwise do for inbound flow
/// control is done here: streams get a window larger than any accepted body, and the
/// connection's window is returned as requests are handed on (bounding what one connection
/// can make the server buffer).
final class HTTP2RequestDispatcher: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    /// Answers one request; `channel` is the connection (TLS peer certificate).
    typealias Respond = @Sendable (Request, any Channel) async -> Response

    /// Window advertised for every stream: a body larger than `maxBodyBytes` is refused
    /// before the client could run out of it.
    static func streamWindow(maxBodyBytes: Int) -> Int { maxBodyBytes + 1024 * 1024 }
    /// The connection's receive window, raised from the protocol's 65,535 at the start.
    static let connectionWindow = 16 * 1024 * 1024

    private struct Incoming {
        var head: HTTPRequest
        var body = ByteBuffer()
        var received = 0
        /// Flow-controlled bytes not yet returned to the connection's window.
        var held = 0
    }

    private let respond: Respond
    private let maxBodyBytes: Int
    private var incoming: [HTTP2StreamID: Incoming] = [:]
    private var responding: [HTTP2StreamID: Task<Void, Never>] = [:]
    private var unreturnedBytes = 0
    private var executor: EventLoopTaskExecutor?

    init(maxBodyBytes: Int, respond: @escaping Respond) {
        self.maxBodyBytes = maxBodyBytes
        self.respond = respond
    }

    func handlerAdded(context: ChannelHandlerContext) {
        executor = EventLoopTaskExecutor(context.eventLoop)
        let increment = Self.connectionWindow - 65_535
        context.writeAndFlush(
            wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment))), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let id = frame.streamID
        switch frame.payload {
        case .headers(let headers):
            if let request = incoming[id] {
                // Trailers end a request; their fields are not used.
                if headers.endStream { start(id, request, context: context, resetWhenDone: false) }
                return
            }
            guard responding[id] == nil else { return }
            do {
                let request = Incoming(head: try HTTPRequest(http2Headers: headers.headers))
                if headers.endStream {
                    start(id, request, context: context, resetWhenDone: false)
                } else {
                    incoming[id] = request
                }
            } catch {
                context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .rstStream(.protocolError))), promise: nil)
            }
        case .data(let payload):
            let length = payload.data.readableBytes + (payload.paddingBytes ?? 0)
            guard var request = incoming[id], case .byteBuffer(var buffer) = payload.data else {
                returnConnectionWindow(length, context: context)
                return
            }
            // Held against the connection's window until the request is handed on, so one
            // connection's unanswered uploads stay under `connectionWindow` bytes.
            request.held += length
            request.received += buffer.readableBytes
            // Keep one byte past the limit, so the responder sees the body is too large and
            // answers RequestEntityTooLarge in its own words.
            let room = maxBodyBytes + 1 - request.body.readableBytes
            if room > 0, let kept = buffer.readSlice(length: min(room, buffer.readableBytes)) {
                request.body.writeImmutableBuffer(kept)
            }
            if payload.endStream {
                start(id, request, context: context, resetWhenDone: false)
            } else if request.received > maxBodyBytes {
                // Answer now and reset the rest of the upload (RFC 9113 §8.1).
                start(id, request, context: context, resetWhenDone: true)
            } else {
                incoming[id] = request
            }
        case .rstStream:
            if let abandoned = incoming.removeValue(forKey: id) { returnConnectionWindow(abandoned.held, context: context) }
            responding.removeValue(forKey: id)?.cancel()
        default:
            break  // SETTINGS, PING, WINDOW_UPDATE, GOAWAY, PRIORITY: NIOHTTP2Handler's
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let closed = event as? StreamClosedEvent {
            if let abandoned = incoming.removeValue(forKey: closed.streamID) { returnConnectionWindow(abandoned.held, context: context) }
            // A stream closes when its answer is complete (or on a reset, or with the
            // connection): its task is forgotten, and stopped if it may still be writing.
            if let task = responding.removeValue(forKey: closed.streamID), closed.reason != nil { task.cancel() }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        incoming.removeAll()
        for task in responding.values { task.cancel() }
        responding.removeAll()
        context.fireChannelInactive()
    }

    private func start(_ id: HTTP2StreamID, _ request: Incoming, context: ChannelHandlerContext, resetWhenDone: Bool) {
        incoming[id] = nil
        returnConnectionWindow(request.held, context: context)
        let output = HTTP2ResponseOutput(streamID: id, context: context)
        let respond = self.respond
        let channel = context.channel
        let hbRequest = Request(head: request.head, body: RequestBody(buffer: request.body))
        responding[id] = Task(executorPreference: executor) {
            let response = await respond(hbRequest, channel)
            await output.send(response, resetWhenDone: resetWhenDone)
        }
    }

    private func returnConnectionWindow(_ bytes: Int, context: ChannelHandlerContext) {
        unreturnedBytes += bytes
        guard unreturnedBytes >= Self.connectionWindow / 4 else { return }
        let increment = unreturnedBytes
        unreturnedBytes = 0
        context.writeAndFlush(
            wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment))), promise: nil)
    }
}
