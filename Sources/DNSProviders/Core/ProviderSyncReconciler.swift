import DNSWire
import Logging
import Metrics
import Reconcile
import ServiceLifecycle

/// Keeps a provider's zone equal to the desired sets: read the zone, plan the changes,
/// apply them in batches. A failure throws, and the work queue retries with exponential
/// backoff; success looks again after `resync` to repair changes made behind our back.
public struct ProviderSyncReconciler: Reconciler {
    public enum Key: Hashable, Sendable { case zone }

    let provider: any DNSProvider
    let desired: DesiredZone
    let zone: DNSName
    let owner: String
    let resync: Duration
    let metrics: ProviderMetrics

    public init(provider: any DNSProvider, desired: DesiredZone, zone: DNSName, owner: String, resync: Duration = .seconds(60)) {
        self.provider = provider
        self.desired = desired
        self.zone = zone
        self.owner = owner
        self.resync = resync
        metrics = ProviderMetrics(provider: provider.name)
    }

    /// The reconciler under a controller whose queue backs off from `base` to `maximum`.
    public static func controller(
        provider: any DNSProvider, desired: DesiredZone, zone: DNSName, owner: String, queue: WorkQueue<Key>, logger: Logger,
        resync: Duration = .seconds(60)
    ) -> Controller<ProviderSyncReconciler> {
        Controller(
            name: "dns-provider-\(provider.name)",
            reconciler: ProviderSyncReconciler(provider: provider, desired: desired, zone: zone, owner: owner, resync: resync),
            queue: queue, informers: [], workers: 1, logger: logger)
    }

    /// A queue retrying failed syncs after 1 s, 2 s, 4 s, … at most a minute.
    public static func queue(base: Duration = .seconds(1), maximum: Duration = .seconds(60)) -> WorkQueue<Key> {
        WorkQueue(rateLimiter: ExponentialRateLimiter(base: base, maximum: maximum))
    }

    public func reconcile(_ key: Key, logger: Logger) async throws -> ReconcileResult {
        guard let wanted = await desired.current else { return .done }
        let start = ContinuousClock.now
        do {
            let plan = try await sync(wanted, logger: logger)
            metrics.latency.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
            metrics.conflicts.record(plan.conflicts.count)
            return .requeue(after: resync)
        } catch {
            metrics.errors.increment()
            logger.warning(
                "DNS provider sync failed, retrying with backoff",
                metadata: ["meridian.dns.provider": "\(provider.name)", "error": "\(error)"])
            throw error
        }
    }

    /// One pass: returns what was planned (and applied).
    @discardableResult
    public func sync(_ wanted: [RecordSet], logger: Logger) async throws(DNSProviderError) -> ChangePlanner.Plan {
        let current = try await provider.recordSets()
        let plan = ChangePlanner.plan(desired: wanted, current: current, zone: zone, owner: owner, ownership: provider.ownership)
        for conflict in plan.conflicts {
            logger.warning(
                "a record set Meridian does not own holds a wanted name; left alone",
                metadata: ["meridian.dns.provider": "\(provider.name)", "meridian.dns.name": "\(conflict)"])
        }
        let batch = max(1, provider.maxBatch)
        for start in stride(from: 0, to: plan.changes.count, by: batch) {
            let changes = Array(plan.changes[start..<min(start + batch, plan.changes.count)])
            try await provider.apply(changes)
            metrics.changes.increment(by: changes.count)
        }
        if !plan.changes.isEmpty {
            logger.info(
                "DNS provider zone updated",
                metadata: ["meridian.dns.provider": "\(provider.name)", "meridian.dns.changes": "\(plan.changes.count)"])
        }
        return plan
    }
}

/// `meridian_dns_provider_*{provider}`: sync latency, errors, changes applied, conflicts.
struct ProviderMetrics: Sendable {
    let latency: Timer
    let errors: Counter
    let changes: Counter
    let conflicts: Gauge

    init(provider: String) {
        let dimensions = [("provider", provider)]
        latency = Timer(label: "meridian_dns_provider_sync_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        errors = Counter(label: "meridian_dns_provider_sync_errors_total", dimensions: dimensions)
        changes = Counter(label: "meridian_dns_provider_changes_total", dimensions: dimensions)
        conflicts = Gauge(label: "meridian_dns_provider_conflicts", dimensions: dimensions)
    }
}
