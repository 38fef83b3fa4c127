import HTTPTypes
import Hummingbird
import NIOCore
import NIOHPACK
import NIOHTTP2

/// Writes one stream's response as HTTP/2 frames from the task that answers it.
struct HTTP2ResponseOutput: Sendable {
    let streamID: HTTP2StreamID
    private let context: NIOLoopBound<ChannelHandlerContext>

    init(streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        self.streamID = streamID
        self.context = NIOLoopBound(context, eventLoop: context.eventLoop)
    }

    /// Sends the response. A body of known length goes out with its head in one flush; any
    /// other body is streamed, each write awaited (a slow reader slows the writer instead
    /// of filling memory). Errors mean the stream or connection is gone: nothing to tell.
    func send(_ response: Response, resetWhenDone: Bool) async {
        var head = response.head
        head.headerFields[.date] = HTTPDate.now()
        let headers = HPACKHeaders(response: head)
        do {
            if response.body.contentLength != nil {
                let collected = CollectedBody()
                try await response.body.write(collected)
                try await write(collected.frames(after: headers), last: !resetWhenDone)
            } else {
                try await write([.headers(.init(headers: headers, endStream: false))])
                try await response.body.write(StreamedBody(output: self))
            }
            if resetWhenDone { try await write([.rstStream(.noError)], last: true) }
        } catch {
            // The body failed half-way (or the stream is gone): end the stream so the client
            // does not wait for the rest.
            try? await write([.rstStream(.internalError)], last: true)
        }
    }

    /// Writes frames in order and flushes; returns once the last has been handed to the
    /// connection (after flow control let it through). With `last` the write is not
    /// awaited: nothing follows it on this stream.
    func write(_ payloads: [HTTP2Frame.FramePayload], last: Bool = false) async throws {
        let context = self.context
        if context.eventLoop.inEventLoop {
            // The request's task runs on the connection's event loop (EventLoopTaskExecutor).
            let written = Self.write(payloads, streamID: streamID, context: context.value, last: last)
            if let written { try await written.get() }
            return
        }
        let id = streamID
        let written = try await context.eventLoop.submit {
            Self.write(payloads, streamID: id, context: context.value, last: last)
        }.get()
        if let written { try await written.get() }
    }

    /// On the event loop: writes and flushes; the future of the last frame unless `last`.
    private static func write(
        _ payloads: [HTTP2Frame.FramePayload], streamID: HTTP2StreamID, context: ChannelHandlerContext, last: Bool
    ) -> EventLoopFuture<Void>? {
        let promise = last ? nil : context.eventLoop.makePromise(of: Void.self)
        for (i, payload) in payloads.enumerated() {
            context.write(NIOAny(HTTP2Frame(streamID: streamID, payload: payload)), promise: i == payloads.count - 1 ? promise : nil)
        }
        context.flush()
        return promise?.futureResult
    }
}

/// Collects a body of known length, so it can go out with its head.
private final class CollectedBody: ResponseBodyWriter {
    var buffers: [ByteBuffer] = []
    var trailers: HTTPFields?

    func write(_ buffer: ByteBuffer) async throws { buffers.append(buffer) }
    func write(contentsOf buffers: some Sequence<ByteBuffer>) async throws { self.buffers.append(contentsOf: buffers) }
    func finish(_ trailingHeaders: HTTPFields?) async throws { trailers = trailingHeaders }

    func frames(after headers: HPACKHeaders) -> [HTTP2Frame.FramePayload] {
        let data = buffers.filter { $0.readableBytes > 0 }
        if data.isEmpty && trailers == nil { return [.headers(.init(headers: headers, endStream: true))] }
        var frames: [HTTP2Frame.FramePayload] = [.headers(.init(headers: headers, endStream: false))]
        for (i, buffer) in data.enumerated() {
            frames.append(.data(.init(data: .byteBuffer(buffer), endStream: trailers == nil && i == data.count - 1)))
        }
        if let trailers { frames.append(.headers(.init(headers: HPACKHeaders(trailers: trailers), endStream: true))) }
        return frames
    }
}

/// Streams a body of unknown length (watches, chunked lists) as DATA frames.
private struct StreamedBody: ResponseBodyWriter {
    let output: HTTP2ResponseOutput

    mutating func write(_ buffer: ByteBuffer) async throws {
        try await output.write([.data(.init(data: .byteBuffer(buffer), endStream: false))])
    }

    mutating func write(contentsOf buffers: some Sequence<ByteBuffer>) async throws {
        let frames = buffers.map { HTTP2Frame.FramePayload.data(.init(data: .byteBuffer($0), endStream: false)) }
        if !frames.isEmpty { try await output.write(frames) }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        if let trailingHeaders {
            try await output.write([.headers(.init(headers: HPACKHeaders(trailers: trailingHeaders), endStream: true))])
        } else {
            try await output.write([.data(.init(data: .byteBuffer(ByteBuffer()), endStream: true))])
        }
    }
}
