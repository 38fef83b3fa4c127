import NIOCore
import NIOPosix

/// TCP listeners that accept and drop connections: stand-ins for load balancers.
actor Listeners {
    private var channels: [String: any Channel] = [:]
    let group: any EventLoopGroup

    init(group: any EventLoopGroup) { self.group = group }

    func open(_ host: String, _ port: Int) async throws {
        guard channels["\(host):\(port)"] == nil else { return }
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in channel.close() }
            .bind(host: host, port: port).get()
        channels["\(host):\(port)"] = channel
    }

    func close(_ host: String, _ port: Int) async {
        try? await channels.removeValue(forKey: "\(host):\(port)")?.close().get()
    }

    func closeAll() async {
        for channel in channels.values { try? await channel.close().get() }
        channels.removeAll()
    }
}
