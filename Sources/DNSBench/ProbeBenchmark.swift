import ArgumentParser
import AsyncHTTPClient
import Federation
import Foundation
import Logging
import NIOPosix

/// Probes N endpoints (some listening, some refusing) at the default interval for a while
/// and reports whether the prober kept up.
struct ProbeBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "probe", abstract: "Probe many endpoints; report throughput and lag.")

    @Option(help: "Endpoints that accept connections.")
    var listening = 9000

    @Option(help: "Endpoints that refuse connections (nothing listens).")
    var refusing = 1000

    @Option(help: "Seconds to run.")
    var seconds = 10

    @Option(help: "Probes in flight at most.")
    var concurrency = 1024

    func run() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let listeners = Listeners(group: group)
        var targets: [ProbeTarget: ProbePolicy] = [:]
        // 127.251.x.y for listeners, 127.252.x.y for refusals: one address each, port 18080.
        for i in 0..<(listening + refusing) {
            let prefix = i < listening ? 251 : 252
            let n = i < listening ? i : i - listening
            let host = "127.\(prefix).\(n / 250).\(n % 250 + 1)"
            if i < listening { try await listeners.open(host, 18080) }
            targets[ProbeTarget(host: host, port: 18080)] = ProbePolicy()
        }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let prober = HealthProber(
            probe: EndpointProbe(group: group, http: http), maxConcurrent: concurrency, logger: Self.quietLogger)
        await prober.setTargets(targets)
        let cpuBefore = cpuSeconds()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await prober.run() }
            try await Task.sleep(for: .seconds(seconds))
            tasks.cancelAll()
        }
        let elapsed = (ContinuousClock.now - start).milliseconds / 1000
        let stats = await prober.statistics
        let withdrawn = await prober.health().values.filter { !$0.healthy }.count
        let cpu = cpuSeconds() - cpuBefore
        print(
            """
            endpoints: \(listening + refusing) (\(listening) listening, \(refusing) refusing), interval 1 s, \(seconds) s
            probes: \(stats.probes) (\(Int(Double(stats.probes) / elapsed))/s; \(stats.failures) failed)
            batches: \(stats.batches), behind: \(stats.behind), slowest batch: \(String(format: "%.0f", stats.slowestBatch.milliseconds)) ms
            withdrawn at the end: \(withdrawn) (expected \(refusing))
            CPU: \(String(format: "%.2f", cpu)) s in \(String(format: "%.1f", elapsed)) s (\(String(format: "%.0f", cpu / elapsed * 100)) % of one core, listeners included)
            """)
        await listeners.closeAll()
        try await http.shutdown()
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        return logger
    }

    func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
