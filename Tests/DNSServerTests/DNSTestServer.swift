import DNSServer
import DNSWire
import Logging
import NIOPosix

/// A DNSServer on 127.0.0.1 and a free port for the length of `body`.
enum DNSTestServer {
    static let origin: DNSName = "meridian.local."

    static func with<T: Sendable>(
        records: [ResourceRecord], negativeTTL: UInt32 = 5, _ body: @Sendable (_ port: Int, _ publisher: ZonePublisher) async throws -> T
    ) async throws -> T {
        var configuration = ZoneConfiguration(origin: origin, nameServerAddress: try IPv4Address("127.0.0.1"))
        configuration.negativeTTL = negativeTTL
        let publisher = ZonePublisher(configuration: configuration, initialSerial: 1000)
        await publisher.publish(records)
        let (ports, announce) = AsyncStream<Int>.makeStream()
        let server = DNSServer(host: "127.0.0.1", port: 0, box: publisher.box, logger: Logger(label: "test")) { announce.yield($0) }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await server.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let result = try await body(port, publisher)
            group.cancelAll()
            while (try await group.next()) != nil {}
            return result
        }
    }
}
