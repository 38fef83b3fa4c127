import NIOCore
import NIOEmbedded
import Testing

@testable import StoreEtcd

@Suite struct HTTP2PingAnswererTests {
    static func frame(type: UInt8, flags: UInt8 = 0, stream: UInt32 = 0, payload: [UInt8]) -> [UInt8] {
        let n = payload.count
        return [UInt8(n >> 16), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF), type, flags] + withUnsafeBytes(of: stream.bigEndian, Array.init)
            + payload
    }

    /// A PING split across reads between other frames is answered and taken out; every
    /// other byte reaches the next handler in order.
    @Test func answersPingsAndPassesEverythingElse() throws {
        let channel = EmbeddedChannel(handler: HTTP2PingAnswerer())
        let settings = Self.frame(type: 0x4, payload: [0, 5, 0, 0, 0x40, 0])
        let ping = Self.frame(type: 0x6, payload: [1, 2, 3, 4, 5, 6, 7, 8])
        let data = Self.frame(type: 0x0, flags: 0x1, stream: 1, payload: Array(repeating: 7, count: 20))
        let pingAck = Self.frame(type: 0x6, flags: 0x1, payload: [9, 9, 9, 9, 9, 9, 9, 9])
        let bytes = settings + ping + data + pingAck
        // Cut inside the PING's header and inside the DATA frame.
        for chunk in [
            bytes[0..<(settings.count + 4)], bytes[(settings.count + 4)..<(settings.count + ping.count + 10)],
            bytes[(settings.count + ping.count + 10)...],
        ] {
            try channel.writeInbound(ByteBuffer(bytes: Array(chunk)))
        }
        var received: [UInt8] = []
        while var buffer = try channel.readInbound(as: ByteBuffer.self) { received += buffer.readBytes(length: buffer.readableBytes) ?? [] }
        #expect(received == settings + data + pingAck)
        var written: [UInt8] = []
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) { written += buffer.readBytes(length: buffer.readableBytes) ?? [] }
        #expect(written == Self.frame(type: 0x6, flags: 0x1, payload: [1, 2, 3, 4, 5, 6, 7, 8]))
        _ = try channel.finish()
    }
}
