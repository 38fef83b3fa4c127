import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle

/// Writes this replica's probe report (its Lease) every heartbeat, and at once when the
/// prober's view changes. Errors are logged and retried at the next heartbeat: other
/// replicas stop counting a report that is not renewed, which is the safe side.
public struct ProbeReportPublisher: Reconciler {
    public enum Key: Hashable, Sendable { case report }

    let client: KubeClient
    let prober: HealthProber
    let settings: ProbeReportSettings

    public func reconcile(_ key: Key, logger: Logger) async throws -> ReconcileResult {
        let report = await prober.report(prober: settings.identity)
        let lease = ProbeReportLease.object(report, settings: settings)
        let name = ProbeReportLease.name(identity: settings.identity)
        do {
            do {
                _ = try await client.patch(.leases, namespace: ProbeReportLease.namespace, name: name, lease, as: .merge)
            } catch  where error.isNotFound {
                _ = try await client.create(.leases, namespace: ProbeReportLease.namespace, lease)
            }
        } catch {
            logger.debug("could not publish the probe report", metadata: ["meridian.lease": "\(name)", "error": "\(error)"])
        }
        return .requeue(after: settings.heartbeat)
    }
}

/// The report publisher as a service; on shutdown it deletes the report, so the other
/// replicas stop counting it at once rather than when it turns stale.
struct ProbeReporting: Service {
    let queue = WorkQueue<ProbeReportPublisher.Key>()
    let controller: Controller<ProbeReportPublisher>
    let client: KubeClient
    let settings: ProbeReportSettings
    let logger: Logger

    init(client: KubeClient, prober: HealthProber, settings: ProbeReportSettings, logger: Logger) {
        self.client = client
        self.settings = settings
        self.logger = logger
        controller = Controller(
            name: "dns-probe-report", reconciler: ProbeReportPublisher(client: client, prober: prober, settings: settings), queue: queue,
            informers: [], workers: 1, logger: logger)
    }

    func run() async throws {
        queue.add(.report)
        try await controller.run()
        // Shutting down: the delete must reach the server though this task is cancelled.
        let (client, name) = (client, ProbeReportLease.name(identity: settings.identity))
        await Task { try? await client.deleteIfExists(.leases, namespace: ProbeReportLease.namespace, name: name) }.value
    }
}
