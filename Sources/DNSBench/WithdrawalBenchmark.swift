import ArgumentParser
import AsyncHTTPClient
import DNSServer
import DNSWire
import Federation
import Foundation
import KubeClient
import Logging
import NIOPosix

/// Endpoint death → DNS answer without it, over many trials: the prober, planner,
/// publisher and server of `meridian serve`, wired as its DNS controller wires them, with
/// TCP listeners as the endpoints and UDP queries every 5 ms as the client.
struct WithdrawalBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdrawal", abstract: "Measure withdrawal and restore latency from endpoint death to the DNS answer.")

    @Option(help: "Trials.")
    var trials = 20

    func run() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let zone: DNSName = "meridian.local."
        let hosts = ["127.253.0.1", "127.253.0.2", "127.253.0.3"]
        let port = 18081
        let listeners = Listeners(group: group)
        for host in hosts { try await listeners.open(host, port) }
        let service = ServiceEndpoints(
            service: ObjectKey(namespace: "default", name: "web"), ttl: 5, port: port,
            members: hosts.enumerated().map { i, host in
                ServiceEndpoints.Member(
                    cluster: "member-\(i + 1)", region: "region-\(i + 1)", zone: "region-\(i + 1)-a", ipv4: [try! IPv4Address(host)])
            })
        let publisher = ZonePublisher(configuration: ZoneConfiguration(origin: zone, nameServerAddress: nil), initialSerial: 1)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let prober = HealthProber(probe: EndpointProbe(group: group, http: http), logger: logger)
        await prober.setTargets(Dictionary(uniqueKeysWithValues: hosts.map { (ProbeTarget(host: $0, port: port), ProbePolicy()) }))
        let (ports, announce) = AsyncStream<Int>.makeStream()
        let server = DNSServer(host: "127.0.0.1", port: 0, box: publisher.box, logger: Logger(label: "bench")) { announce.yield($0) }
        let planner = PlanLoop(service: service, zone: zone, prober: prober, publisher: publisher)
        await planner.replan()

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await server.run() }
            tasks.addTask { try await prober.run() }
            tasks.addTask {
                for await _ in prober.transitions { await planner.replan() }
            }
            var iterator = ports.makeAsyncIterator()
            guard let dnsPort = await iterator.next() else { return }
            let client = try await UDPQueryClient.connect(port: dnsPort)
            let global = try zone.prepending("web.default.meridian.svc")
            let victim = try IPv4Address(hosts[2])
            var withdrawals: [Duration] = []
            var restores: [Duration] = []
            var empty = 0
            try await client.session { ask in
                func addresses() async throws -> Set<IPv4Address> {
                    let response = try await ask(global, .a)
                    let set = Set(response.answers.compactMap { if case .a(let ip) = $0.data { return ip } else { return nil } })
                    if set.isEmpty { empty += 1 }
                    return set
                }
                for trial in 1...trials {
                    // A random phase against the 1 s probe interval.
                    try await Task.sleep(for: .milliseconds(Int.random(in: 0..<1000)))
                    await listeners.close(hosts[2], port)
                    let died = ContinuousClock.now
                    while try await addresses().contains(victim) { try await Task.sleep(for: .milliseconds(5)) }
                    withdrawals.append(ContinuousClock.now - died)
                    try await Task.sleep(for: .milliseconds(Int.random(in: 0..<1000)))
                    try await listeners.open(hosts[2], port)
                    let back = ContinuousClock.now
                    while try await !addresses().contains(victim) { try await Task.sleep(for: .milliseconds(5)) }
                    restores.append(ContinuousClock.now - back)
                    FileHandle.standardError.write(
                        Data(
                            "trial \(trial): withdrawn after \(Int(withdrawals.last!.milliseconds)) ms, restored after \(Int(restores.last!.milliseconds)) ms\n"
                                .utf8))
                }
            }
            func line(_ label: String, _ values: [Duration]) -> String {
                let ms = { (d: Duration) in String(format: "%.0f", d.milliseconds) }
                return
                    "\(label): p50 \(ms(percentile(values, 50))) ms, p99 \(ms(percentile(values, 99))) ms, max \(ms(values.max() ?? .zero)) ms"
            }
            print("trials: \(trials) (probe interval 1 s, 2 failures withdraw, 2 successes restore)")
            print(line("withdrawal", withdrawals))
            print(line("restore", restores))
            print("empty answers: \(empty)")
            tasks.cancelAll()
        }
        await listeners.closeAll()
        try await http.shutdown()
    }
}

/// The DNS controller's pass for one Service: health in, plan out, publish.
actor PlanLoop {
    let service: ServiceEndpoints
    let zone: DNSName
    let prober: HealthProber
    let publisher: ZonePublisher
    var lastHealthy: [DNSName: [RData]] = [:]

    init(service: ServiceEndpoints, zone: DNSName, prober: HealthProber, publisher: ZonePublisher) {
        self.service = service
        self.zone = zone
        self.prober = prober
        self.publisher = publisher
    }

    func replan() async {
        let health = await prober.health()
        let plan = RecordPlanner.plan(
            [service], federation: "meridian", zone: zone, healthy: { health[$0]?.healthy ?? true }, lastHealthy: lastHealthy)
        lastHealthy = plan.lastHealthy
        await publisher.publish(plan.records)
    }
}
