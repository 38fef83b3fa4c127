import Logging
import Metrics
import ServiceLifecycle

/// Probes every endpoint DNS publishes, each at its own interval, with bounded
/// concurrency, and keeps each one's health. Transitions (withdrawn, restored) are
/// published on `transitions` for the DNS controller to act on.
public actor HealthProber: Service {
    public struct Transition: Sendable, Equatable {
        public var target: ProbeTarget
        public var change: EndpointHealth.Transition
        public var failures: Int
        public var error: String?
    }

    private struct Entry {
        var policy: ProbePolicy
        var health = EndpointHealth()
        var due: ContinuousClock.Instant
    }

    /// Counts since start, for benchmarks and diagnostics.
    public struct Statistics: Sendable {
        public var probes = 0
        public var failures = 0
        public var batches = 0
        /// Batches that took longer than the shortest interval among them.
        public var behind = 0
        public var slowestBatch: Duration = .zero
    }

    private var entries: [ProbeTarget: Entry] = [:]
    public private(set) var statistics = Statistics()
    public nonisolated let transitions: AsyncStream<Transition>
    private let transitionSink: AsyncStream<Transition>.Continuation
    let probe: EndpointProbe
    let maxConcurrent: Int
    let logger: Logger
    let metrics = ProberMetrics()

    public init(probe: EndpointProbe, maxConcurrent: Int = 1024, logger: Logger) {
        self.probe = probe
        self.maxConcurrent = maxConcurrent
        self.logger = logger
        (transitions, transitionSink) = AsyncStream<Transition>.makeStream()
    }

    /// Makes the probed set exactly `targets`: new ones are probed at once (and count as
    /// healthy until they fail), gone ones are forgotten, kept ones keep their state.
    public func setTargets(_ targets: [ProbeTarget: ProbePolicy]) {
        let now = ContinuousClock.now
        for (target, policy) in targets {
            if entries[target] == nil {
                entries[target] = Entry(policy: policy, due: now)
            } else {
                entries[target]?.policy = policy
            }
        }
        for target in entries.keys where targets[target] == nil {
            entries[target] = nil
        }
        metrics.record(entries.values.map(\.health))
    }

    /// Whether `target` is healthy; unknown targets count as healthy.
    public func health() -> [ProbeTarget: EndpointHealth] { entries.mapValues(\.health) }

    /// This prober's view as replicas share it: the endpoints it judges down.
    public func report(prober: String) -> ProbeReport {
        ProbeReport(
            prober: prober, unhealthy: Set(entries.filter { !$0.value.health.healthy }.map(\.key.reportKey)), probing: entries.count)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.runDue()
                await self.sleepUntilDue()
            }
        }
        transitionSink.finish()
    }

    private func runDue() async {
        let now = ContinuousClock.now
        let due = entries.filter { $0.value.due <= now }.map { ($0.key, $0.value.policy) }
        guard !due.isEmpty else { return }
        for (target, policy) in due { entries[target]?.due = now + policy.interval }
        let start = ContinuousClock.now
        let results = await probeAll(due)
        let took = ContinuousClock.now - start
        metrics.roundDuration.recordNanoseconds(took.nanosecondsValue)
        apply(results)
        statistics.batches += 1
        statistics.slowestBatch = max(statistics.slowestBatch, took)
        if took > (due.map(\.1.interval).min() ?? .seconds(1)) {
            metrics.behind.increment()
            statistics.behind += 1
        }
    }

    /// Probes in parallel, at most `maxConcurrent` at a time.
    private nonisolated func probeAll(_ due: [(ProbeTarget, ProbePolicy)]) async -> [(ProbeTarget, String?)] {
        await withTaskGroup(of: (ProbeTarget, String?).self) { group in
            var results: [(ProbeTarget, String?)] = []
            results.reserveCapacity(due.count)
            var next = due.makeIterator()
            var running = 0
            while running < maxConcurrent, let (target, policy) = next.next() {
                group.addTask { (target, await self.probe.run(target, timeout: policy.timeout)) }
                running += 1
            }
            while let result = await group.next() {
                results.append(result)
                if let (target, policy) = next.next() {
                    group.addTask { (target, await self.probe.run(target, timeout: policy.timeout)) }
                }
            }
            return results
        }
    }

    private func apply(_ results: [(ProbeTarget, String?)]) {
        var failed = 0
        for (target, error) in results {
            guard var entry = entries[target] else { continue }
            if error != nil { failed += 1 }
            if let change = entry.health.record(success: error == nil, error: error, policy: entry.policy) {
                let transition = Transition(target: target, change: change, failures: entry.health.consecutiveFailures, error: error)
                logger.info(
                    "endpoint \(change == .withdrawn ? "withdrawn" : "restored")",
                    metadata: ["meridian.endpoint": "\(target)", "error": "\(error ?? "")"])
                transitionSink.yield(transition)
            }
            entries[target] = entry
        }
        metrics.probes(succeeded: results.count - failed, failed: failed)
        statistics.probes += results.count
        statistics.failures += failed
        metrics.record(entries.values.map(\.health))
    }

    /// Until the next endpoint is due, at most 100 ms: new targets wait no longer than that.
    private func sleepUntilDue() async {
        let next = entries.values.map(\.due).min() ?? ContinuousClock.now + .milliseconds(100)
        let delay = min(next - ContinuousClock.now, .milliseconds(100))
        if delay > .zero { try? await Task.sleep(for: delay) }
    }
}

/// `meridian_dns_endpoints{state}`, `meridian_dns_probes_total{result}`,
/// `meridian_dns_probe_round_duration_seconds`, `meridian_dns_probe_rounds_behind_total`.
struct ProberMetrics: Sendable {
    let healthy = Gauge(label: "meridian_dns_endpoints", dimensions: [("state", "healthy")])
    let withdrawn = Gauge(label: "meridian_dns_endpoints", dimensions: [("state", "withdrawn")])
    let succeeded = Counter(label: "meridian_dns_probes_total", dimensions: [("result", "success")])
    let failed = Counter(label: "meridian_dns_probes_total", dimensions: [("result", "failure")])
    let roundDuration = Timer(label: "meridian_dns_probe_round_duration_seconds", dimensions: [], preferredDisplayUnit: .seconds)
    let behind = Counter(label: "meridian_dns_probe_rounds_behind_total")

    func record(_ states: [EndpointHealth]) {
        let up = states.filter(\.healthy).count
        healthy.record(up)
        withdrawn.record(states.count - up)
    }

    func probes(succeeded ok: Int, failed bad: Int) {
        if ok > 0 { succeeded.increment(by: ok) }
        if bad > 0 { failed.increment(by: bad) }
    }
}

extension Duration {
    var nanosecondsValue: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
