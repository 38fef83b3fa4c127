import Foundation
import KubeAPI
import KubeClient
import Logging
import Metrics

/// Leader election on a `coordination.k8s.io` Lease, with client-go's rules: the holder
/// renews every `retryPeriod`; another candidate takes over only after it has seen the
/// same record unchanged for `leaseDuration` on its own monotonic clock (so clocks
/// between machines need not agree); a leader that cannot renew within `renewDeadline`
/// stops leading; a leader that stops releases the Lease so a follower takes over at once.
public struct LeaderElector: Sendable {
    public struct Configuration: Sendable {
        public var namespace: String
        public var name: String
        public var identity: String
        public var leaseDuration: Duration
        public var renewDeadline: Duration
        public var retryPeriod: Duration

        public init(
            namespace: String, name: String, identity: String, leaseDuration: Duration = .seconds(10),
            renewDeadline: Duration = .seconds(8), retryPeriod: Duration = .seconds(2)
        ) {
            self.namespace = namespace
            self.name = name
            self.identity = identity
            self.leaseDuration = leaseDuration
            self.renewDeadline = renewDeadline
            self.retryPeriod = retryPeriod
        }

        /// A name unique to this process: host name and a random suffix, as client-go builds it.
        public static func defaultIdentity() -> String {
            "\(ProcessInfo.processInfo.hostName)_\(UUID().uuidString.lowercased())"
        }
    }

    let client: KubeClient
    let configuration: Configuration
    let logger: Logger
    let leaderGauge: Gauge
    let transitions: Counter

    public init(client: KubeClient, configuration: Configuration, logger: Logger) {
        self.client = client
        self.configuration = configuration
        self.logger = logger
        let dimensions = [("name", configuration.name)]
        leaderGauge = Gauge(label: "meridian_leader_election_is_leader", dimensions: dimensions)
        transitions = Counter(label: "meridian_leader_election_acquired_total", dimensions: dimensions)
    }

    /// Campaigns until cancelled. Each time this process becomes the leader, `lead` runs
    /// until it returns or leadership is lost; then it is cancelled and the campaign goes
    /// on. When `lead` returns (graceful shutdown), the Lease is released and `run` returns.
    public func run(lead: @escaping @Sendable () async throws -> Void) async throws {
        let observer = Observer()
        defer { leaderGauge.record(0) }
        do {
            while !Task.isCancelled {
                guard await tryAcquireOrRenew(observer) else {
                    try await Task.sleep(for: configuration.retryPeriod * Double.random(in: 1.0...1.2))
                    continue
                }
                logger.notice("became the leader", metadata: ["lease": "\(configuration.namespace)/\(configuration.name)"])
                leaderGauge.record(1)
                transitions.increment()
                let finished = try await leadWhileRenewing(observer, lead: lead)
                leaderGauge.record(0)
                if finished { break }
                logger.warning("lost leadership", metadata: ["lease": "\(configuration.namespace)/\(configuration.name)"])
            }
        } catch {
            await releaseOutsideCancellation()
            if error is CancellationError { return }
            throw error
        }
        await releaseOutsideCancellation()
    }

    /// Releasing must reach the server even when the caller was cancelled (shutdown).
    private func releaseOutsideCancellation() async {
        let elector = self
        await Task { await elector.release() }.value
    }

    /// Whether `lead` finished on its own (true) or leadership was lost (false).
    private func leadWhileRenewing(_ observer: Observer, lead: @escaping @Sendable () async throws -> Void) async throws -> Bool {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await lead()
                return true
            }
            group.addTask {
                var lastRenewal = ContinuousClock.now
                while !Task.isCancelled {
                    try await Task.sleep(for: configuration.retryPeriod)
                    if await tryAcquireOrRenew(observer) {
                        lastRenewal = .now
                    } else if ContinuousClock.now - lastRenewal > configuration.renewDeadline {
                        return false
                    }
                }
                return true
            }
            defer { group.cancelAll() }
            return try await group.next() ?? true
        }
    }

    /// What this candidate last saw of the Lease, and when (monotonic).
    private actor Observer {
        var record: JSONValue?
        var seenAt = ContinuousClock.now

        func observe(_ spec: JSONValue) -> ContinuousClock.Instant {
            if spec != record {
                record = spec
                seenAt = .now
            }
            return seenAt
        }
    }

    private func tryAcquireOrRenew(_ observer: Observer) async -> Bool {
        let now = Date()
        let seconds = Int64(configuration.leaseDuration.components.seconds)
        do {
            guard let existing = try await client.getIfExists(.leases, namespace: configuration.namespace, name: configuration.name)
            else {
                let lease: JSONValue = [
                    "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                    "metadata": ["name": .string(configuration.name), "namespace": .string(configuration.namespace)],
                    "spec": [
                        "holderIdentity": .string(configuration.identity), "leaseDurationSeconds": .int(max(seconds, 1)),
                        "acquireTime": .string(Timestamp.formatMicro(now)), "renewTime": .string(Timestamp.formatMicro(now)),
                        "leaseTransitions": 0,
                    ],
                ]
                _ = try await client.create(.leases, namespace: configuration.namespace, lease)
                return true
            }
            let spec = existing["spec"]
            let holder = spec["holderIdentity"].stringValue ?? ""
            let seenAt = await observer.observe(spec)
            let heldFor = Duration.seconds(spec["leaseDurationSeconds"].intValue ?? seconds)
            if !holder.isEmpty, holder != configuration.identity, ContinuousClock.now < seenAt + heldFor { return false }
            var updated = existing
            updated["spec"]["holderIdentity"] = .string(configuration.identity)
            updated["spec"]["leaseDurationSeconds"] = .int(max(seconds, 1))
            updated["spec"]["renewTime"] = .string(Timestamp.formatMicro(now))
            if holder != configuration.identity {
                updated["spec"]["acquireTime"] = .string(Timestamp.formatMicro(now))
                updated["spec"]["leaseTransitions"] = .int((spec["leaseTransitions"].intValue ?? 0) + 1)
            }
            // The resourceVersion makes this a compare-and-swap: one candidate wins a race.
            let written = try await client.update(.leases, updated)
            _ = await observer.observe(written["spec"])
            return true
        } catch {
            if !error.isConflict && !error.isAlreadyExists {
                logger.debug("leader election: cannot reach the Lease", metadata: ["error": "\(error)"])
            }
            return false
        }
    }

    /// Gives the Lease up (if still ours) so a follower need not wait for it to expire.
    private func release() async {
        guard var lease = try? await client.getIfExists(.leases, namespace: configuration.namespace, name: configuration.name),
            lease["spec"]["holderIdentity"].stringValue == configuration.identity
        else { return }
        lease["spec"]["holderIdentity"] = .null
        lease["spec"]["leaseDurationSeconds"] = 1
        lease["spec"]["renewTime"] = .string(Timestamp.formatMicro(Date()))
        _ = try? await client.update(.leases, lease)
        logger.info("released the leader Lease", metadata: ["lease": "\(configuration.namespace)/\(configuration.name)"])
    }
}
