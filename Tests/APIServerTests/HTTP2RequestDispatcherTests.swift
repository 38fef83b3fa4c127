import HTTPTypes
import Hummingbird
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Synchronization
import Testing

@testable import APIServer

#if canImport(Glibc)
    import Glibc
#endif

/// The HTTP/2 dispatcher at the frame level: what reaches the responder, and the exact
/// frames that go back.
struct HTTP2RequestDispatcherTests {
    /// What the responder saw.
    final class Seen: Sendable {
        let requests = Mutex<[(method: String, path: String, body: [UInt8])]>([])
    }

    /// A channel with the dispatcher; its testing event loop is kept running (the request
    /// tasks run on it) until `body` returns.
    func withDispatcher(
        maxBodyBytes: Int = 3 * 1024 * 1024, respond: @escaping HTTP2RequestDispatcher.Respond,
        _ body: (NIOAsyncTestingChannel) async throws -> Void
    ) async throws {
        let channel = NIOAsyncTestingChannel()
        let loop = channel.testingEventLoop
        let driver = Task {
            while !Task.isCancelled {
                await loop.run()
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
        defer { driver.cancel() }
        try await channel.pipeline.addHandler(HTTP2RequestDispatcher(maxBodyBytes: maxBodyBytes, respond: respond))
        // The connection's window is raised as soon as the dispatcher is in place.
        let raise = try await channel.waitForOutboundWrite(as: HTTP2Frame.self)
        #expect(raise.streamID == .rootStream)
        guard case .windowUpdate(let increment) = raise.payload else { throw Unexpected(raise) }
        #expect(increment == HTTP2RequestDispatcher.connectionWindow - 65_535)
        try await body(channel)
    }

    func headers(_ method: String, _ path: String, endStream: Bool) -> HTTP2Frame.FramePayload {
        .headers(
            .init(
                headers: HPACKHeaders([(":method", method), (":scheme", "https"), (":authority", "x"), (":path", path)]),
                endStream: endStream))
    }

    func data(_ text: String, endStream: Bool) -> HTTP2Frame.FramePayload {
        .data(.init(data: .byteBuffer(ByteBuffer(string: text)), endStream: endStream))
    }

    func responder(_ seen: Seen) -> HTTP2RequestDispatcher.Respond {
        { request, _ in
            var request = request
            let body = (try? await request.collectBody(upTo: 1 << 22)).map { Array($0.readableBytesView) } ?? []
            seen.requests.withLock { $0.append((request.method.rawValue, request.uri.path, body)) }
            return Response(status: .created, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "done")))
        }
    }

    @Test func aRequestFromHeadersAndDataIsAnsweredWithHeadersAndData() async throws {
        let seen = Seen()
        try await withDispatcher(respond: responder(seen)) { channel in
            let stream = HTTP2StreamID(1)
            try await channel.writeInbound(HTTP2Frame(streamID: stream, payload: headers("POST", "/api/v1/x", endStream: false)))
            try await channel.writeInbound(HTTP2Frame(streamID: stream, payload: data("hello ", endStream: false)))
            try await channel.writeInbound(HTTP2Frame(streamID: stream, payload: data("world", endStream: true)))

            let head = try await channel.waitForOutboundWrite(as: HTTP2Frame.self)
            #expect(head.streamID == stream)
            guard case .headers(let h) = head.payload else { throw Unexpected(head) }
            #expect(!h.endStream)
            #expect(h.headers.first(name: ":status") == "201")
            #expect(h.headers.first(name: "content-type") == "text/plain")
            #expect(h.headers.first(name: "content-length") == "4")
            #expect(h.headers.first(name: "date")?.hasSuffix(" GMT") == true)
            let body = try await channel.waitForOutboundWrite(as: HTTP2Frame.self)
            guard case .data(let d) = body.payload, case .byteBuffer(let buffer) = d.data else { throw Unexpected(body) }
            #expect(d.endStream)
            #expect(String(buffer: buffer) == "done")
            let requests = seen.requests.withLock { $0 }
            #expect(requests.count == 1)
            #expect(requests.first?.method == "POST" && requests.first?.path == "/api/v1/x")
            #expect(requests.first.map { String(decoding: $0.body, as: UTF8.self) } == "hello world")
        }
    }

    /// A body past the limit reaches the responder one byte too long (it answers 413 in its
    /// own words); the rest of the upload is reset once the answer is out.
    @Test func aBodyPastTheLimitIsAnsweredAtOnceAndTheUploadReset() async throws {
        let seen = Seen()
        try await withDispatcher(maxBodyBytes: 8, respond: responder(seen)) { channel in
            let stream = HTTP2StreamID(3)
            try await channel.writeInbound(HTTP2Frame(streamID: stream, payload: headers("PUT", "/big", endStream: false)))
            try await channel.writeInbound(HTTP2Frame(streamID: stream, payload: data("0123456789abcdef", endStream: false)))
            let head = try await channel.waitForOutboundWrite(as: HTTP2Frame.self)
            guard case .headers = head.payload else { throw Unexpected(head) }
            _ = try await channel.waitForOutboundWrite(as: HTTP2Frame.self)
            let reset = try await channel.waitForOutboundWrite(as: HTTP2Frame.self)
            guard case .rstStream(let code) = reset.payload else { throw Unexpected(reset) }
            #expect(code == .noError)
            #expect(seen.requests.withLock { $0.first.map { String(decoding: $0.body, as: UTF8.self) } } == "012345678")
        }
    }

    @Test func aRequestWithoutAPathIsResetAsMalformed() async throws {
        let seen = Seen()
        try await withDispatcher(respond: responder(seen)) { channel in
            let block = HPACKHeaders([(":method", "GET"), (":scheme", "https")])
            try await channel.writeInbound(HTTP2Frame(streamID: 5, payload: .headers(.init(headers: block, endStream: true))))
            let reset = try await channel.waitForOutboundWrite(as: HTTP2Frame.self)
            guard case .rstStream(let code) = reset.payload else { throw Unexpected(reset) }
            #expect(reset.streamID == 5 && code == .protocolError)
            #expect(seen.requests.withLock { $0.isEmpty })
        }
    }

    /// A streamed body (a watch) goes out frame by frame, and a reset from the client
    /// cancels the task writing it.
    @Test func aStreamedBodyFlowsUntilTheClientResetsIt() async throws {
        let (cancelled, signal) = AsyncStream.makeStream(of: Void.self)
        let watch: HTTP2RequestDispatcher.Respond = { _, _ in
            Response(
                status: .ok,
                body: ResponseBody { writer in
                    var n = 0
                    while !Task.isCancelled {
                        n += 1
                        try? await writer.write(ByteBuffer(string: "event \(n)\n"))
                        try? await Task.sleep(for: .milliseconds(5))
                    }
                    signal.yield()
                    signal.finish()
                })
        }
        try await withDispatcher(respond: watch) { channel in
            let stream = HTTP2StreamID(7)
            try await channel.writeInbound(HTTP2Frame(streamID: stream, payload: headers("GET", "/watch", endStream: true)))
            let head = try await channel.waitForOutboundWrite(as: HTTP2Frame.self)
            guard case .headers(let h) = head.payload else { throw Unexpected(head) }
            #expect(!h.endStream && h.headers.first(name: "content-length") == nil)
            for n in 1...3 {
                let frame = try await channel.waitForOutboundWrite(as: HTTP2Frame.self)
                guard case .data(let d) = frame.payload, case .byteBuffer(let buffer) = d.data else { throw Unexpected(frame) }
                #expect(!d.endStream)
                #expect(String(buffer: buffer) == "event \(n)\n")
            }
            try await channel.writeInbound(HTTP2Frame(streamID: stream, payload: .rstStream(.cancel)))
            var iterator = cancelled.makeAsyncIterator()
            #expect(await iterator.next() != nil, "the writing task saw its cancellation")
        }
    }

    /// Upload bytes go back to the connection's window when their request is handed on
    /// (not as they arrive), in large steps.
    @Test func theConnectionWindowIsReturnedWhenRequestsAreHandedOn() async throws {
        try await withDispatcher(maxBodyBytes: 64 * 1024 * 1024, respond: responder(Seen())) { channel in
            let chunk = String(repeating: "x", count: 1 << 20)
            try await channel.writeInbound(HTTP2Frame(streamID: 9, payload: headers("POST", "/upload", endStream: false)))
            let quarter = HTTP2RequestDispatcher.connectionWindow / 4 / (1 << 20)
            for i in 0..<quarter {
                try await channel.writeInbound(HTTP2Frame(streamID: 9, payload: data(chunk, endStream: i == quarter - 1)))
                if i < quarter - 1 {
                    #expect(try await channel.readOutbound(as: HTTP2Frame.self) == nil, "nothing returned before the request is complete")
                }
            }
            let update = try await channel.waitForOutboundWrite(as: HTTP2Frame.self)
            #expect(update.streamID == .rootStream)
            guard case .windowUpdate(let increment) = update.payload else { throw Unexpected(update) }
            #expect(increment == quarter << 20)
            let answer = try await channel.waitForOutboundWrite(as: HTTP2Frame.self)
            #expect(answer.streamID == 9)
        }
    }

    @Test func httpDatesAreRFC9110() {
        var t = tm()
        t.tm_year = 94
        t.tm_mon = 10
        t.tm_mday = 6
        t.tm_wday = 0
        t.tm_hour = 8
        t.tm_min = 49
        t.tm_sec = 37
        #expect(HTTPDate.format(t) == "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    struct Unexpected: Error, CustomStringConvertible {
        let description: String
        init(_ frame: HTTP2Frame) { description = "unexpected frame \(frame.payload) on \(frame.streamID)" }
    }
}
