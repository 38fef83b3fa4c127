import KubeClient
import NIOCore
import NIOHTTP1
import NIOPosix

/// Why a load balancer could not be set up.
enum LoadBalancerError: Error, CustomStringConvertible {
    case noFreeAddress(prefix: String)
    case bind(ip: String, port: Int, reason: String)

    var description: String {
        switch self {
        case .noFreeAddress(let prefix): return "no free load-balancer address left in \(prefix).0/24"
        case .bind(let ip, let port, let reason): return "cannot listen on \(ip):\(port): \(reason)"
        }
    }
}

/// The sandbox's load balancers: the IP each Service holds and the real TCP listeners on
/// it, one per Service port, open while the Service has ready pods. Every channel is
/// closed explicitly: when its Service no longer wants it, and all of them at shutdown.
actor LoadBalancerListeners {
    /// What a Service's load balancer was last set up for.
    struct Configuration: Equatable, Sendable {
        var ip: String
        var ports: [Int]
    }

    let cluster: String
    let backends: LoadBalancerBackends
    let group: any EventLoopGroup
    private var addresses: LoadBalancerAddresses
    private var seeded = false
    private var listeners: [ObjectKey: (ip: String, channels: [Int: any Channel])] = [:]
    private var ensured: [ObjectKey: Configuration] = [:]

    init(cluster: String, prefix: String, backends: LoadBalancerBackends, group: any EventLoopGroup) {
        self.cluster = cluster
        self.backends = backends
        self.group = group
        addresses = LoadBalancerAddresses(prefix: prefix)
    }

    // MARK: addresses

    var isSeeded: Bool { seeded }

    /// Once, before the first assignment: the IPs Services already show in their status
    /// (oldest Service first), so a restart gives every Service its IP back.
    func seed(_ claims: [(ObjectKey, String)]) {
        guard !seeded else { return }
        seeded = true
        for (key, ip) in claims { _ = addresses.claim(ip, for: key) }
    }

    func assign(_ key: ObjectKey, preferring preferred: [String]) -> String? {
        addresses.assign(key, preferring: preferred)
    }

    func ensuredConfiguration(of key: ObjectKey) -> Configuration? { ensured[key] }

    func markEnsured(_ key: ObjectKey, _ configuration: Configuration) { ensured[key] = configuration }

    // MARK: listeners

    /// Makes the listeners of `key` exactly `ports` on `ip`: closes the others, opens the
    /// missing ones. Stops at the first port that cannot be bound.
    func listen(_ key: ObjectKey, ip: String, ports: [Int]) async throws(LoadBalancerError) {
        var current = listeners[key] ?? (ip, [:])
        if current.ip != ip {
            await close(Array(current.channels.values))
            current = (ip, [:])
        }
        let unwanted = current.channels.filter { !ports.contains($0.key) }
        for port in unwanted.keys { current.channels[port] = nil }
        listeners[key] = current
        await close(Array(unwanted.values))
        for port in ports where current.channels[port] == nil {
            let channel = try await bind(key, ip: ip, port: port)
            listeners[key, default: (ip, [:])].channels[port] = channel
        }
        if listeners[key]?.channels.isEmpty == true { listeners[key] = nil }
    }

    /// Closes the listeners of `key`, frees its IP and forgets its backends.
    func release(_ key: ObjectKey) async {
        let channels = listeners.removeValue(forKey: key)?.channels.values.map { $0 } ?? []
        addresses.release(key)
        ensured[key] = nil
        backends.remove(key)
        await close(channels)
    }

    /// Closes every listener (shutdown).
    func closeAll() async {
        let all = listeners.values.flatMap { $0.channels.values }
        listeners.removeAll()
        await close(all)
    }

    private func bind(_ key: ObjectKey, ip: String, port: Int) async throws(LoadBalancerError) -> any Channel {
        let cluster = self.cluster
        let backends = self.backends
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Process pods listen for real: pass the connection on. Simulated ones are
                    // answered here.
                    if let target = backends.nextTarget(for: key, port: port) {
                        try channel.pipeline.syncOperations.addHandler(TCPForwarder(target: target))
                        return
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        LoadBalancerHTTPHandler(cluster: cluster, service: key, backends: backends))
                }
            }
        do {
            return try await bootstrap.bind(host: ip, port: port).get()
        } catch {
            throw .bind(ip: ip, port: port, reason: "\(error)")
        }
    }

    private func close(_ channels: [any Channel]) async {
        for channel in channels {
            // Already closed (say, by an error) is as good as closed.
            try? await channel.close().get()
        }
    }
}
