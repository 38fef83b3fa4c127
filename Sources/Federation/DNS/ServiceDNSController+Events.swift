import DNSWire
import KubeAPI
import KubeClient
import Metrics
import Reconcile

extension ServiceDNSController {
    /// The Events of one pass on the objects each endpoint serves: `AllEndpointsFailed`
    /// for a name held on its last healthy set, `EndpointWithdrawn`/`EndpointRestored`
    /// when the agreed state moves, `EndpointDisputed` when some probers but not a
    /// majority judge an endpoint down.
    func recordEvents(
        _ changes: DNSPlanMemory.Changes, agreement: ProbeAgreement.Outcome, endpoints: [ServiceEndpoints],
        objects: [ObjectKey: (type: ResourceType, object: JSONValue)], policies: [ProbeTarget: ProbePolicy]
    ) async {
        for (name, kept) in changes.held {
            guard
                let service = endpoints.first(where: {
                    RecordPlanner.globalName($0.service, federation: settings.federation, zone: settings.zone) == name
                }), let (type, object) = objects[service.service]
            else { continue }
            await events.record(
                Self.eventObject(type, object), type: .warning, reason: "AllEndpointsFailed",
                message: "every endpoint of \(name) failed its probes; DNS keeps the last healthy set (\(kept.joined(separator: ", ")))")
        }
        let health = await prober.health()
        let several = agreement.counted.count > 1
        for target in changes.withdrawn {
            let tally = agreement.tallies[target.reportKey]
            let votes = tally.map { "\($0.down.count) of \($0.of) probers" } ?? ""
            let message: (String) -> String
            if let own = health[target], !own.healthy {
                let threshold = policies[target]?.failureThreshold ?? own.consecutiveFailures
                let agreeing = several ? "; \(votes) agree" : ""
                message = {
                    "endpoint \(target) in cluster \($0) failed \(threshold) probes in a row (\(own.lastError ?? "failed")); withdrawn from DNS\(agreeing)"
                }
            } else {
                let who = tally?.down.joined(separator: ", ") ?? ""
                message = { "endpoint \(target) in cluster \($0) fails the probes of \(who) (\(votes)); withdrawn from DNS" }
            }
            await record(target, type: .warning, reason: "EndpointWithdrawn", message: message, objects: objects)
        }
        for target in changes.restored {
            await record(
                target, reason: "EndpointRestored",
                message: { "endpoint \(target) in cluster \($0) answers probes again; restored in DNS" },
                objects: objects)
        }
        for target in changes.disputed {
            guard let tally = agreement.tallies[target.reportKey] else { continue }
            await record(
                target, type: .warning, reason: "EndpointDisputed",
                message: {
                    "endpoint \(target) in cluster \($0) fails the probes of \(tally.down.joined(separator: ", ")) only (\(tally.down.count) of \(tally.of) probers); kept in DNS until a majority agrees"
                }, objects: objects)
        }
    }

    private func record(
        _ target: ProbeTarget, type: EventRecorder.EventType = .normal, reason: String, message: (String) -> String,
        objects: [ObjectKey: (type: ResourceType, object: JSONValue)]
    ) async {
        for owner in await memory.owners(of: target) {
            guard let (kind, object) = objects[owner.object.object] else { continue }
            await events.record(Self.eventObject(kind, object), type: type, reason: reason, message: message(owner.cluster))
        }
    }

    static func eventObject(_ type: ResourceType, _ object: JSONValue) -> JSONValue {
        object.withKind(type.kind, apiVersion: type.apiVersion)
    }
}

/// How the probers agree, per prober: `meridian_dns_prober_agreement_ratio{prober}` (share
/// of its endpoints where its verdict is the outcome), `meridian_dns_prober_unhealthy_endpoints{prober}`,
/// `meridian_dns_prober_counted{prober}` (1 while its report counts), plus
/// `meridian_dns_probers{state=counted|stale|probing_nothing}` and
/// `meridian_dns_endpoints_disputed`.
struct AgreementMetrics: Sendable {
    let disputed = Gauge(label: "meridian_dns_endpoints_disputed")

    func record(_ outcome: ProbeAgreement.Outcome, own: ProbeReport, reports: [ProbeAgreement.Observed]) {
        disputed.record(outcome.disputed.count)
        let ignored = Dictionary(grouping: outcome.ignored.values, by: \.self)
        Gauge(label: "meridian_dns_probers", dimensions: [("state", "counted")]).record(outcome.counted.count)
        Gauge(label: "meridian_dns_probers", dimensions: [("state", "stale")]).record(ignored[.stale]?.count ?? 0)
        Gauge(label: "meridian_dns_probers", dimensions: [("state", "probing_nothing")]).record(ignored[.probingNothing]?.count ?? 0)
        var unhealthy = Dictionary(reports.map { ($0.report.prober, $0.report.unhealthy.count) }, uniquingKeysWith: { a, _ in a })
        unhealthy[own.prober] = own.unhealthy.count
        for prober in Set(outcome.counted).union(outcome.ignored.keys) {
            let dimensions = [("prober", prober)]
            let ratio = outcome.agreement[prober]
            Gauge(label: "meridian_dns_prober_counted", dimensions: dimensions).record(ratio == nil ? 0 : 1)
            if let ratio { Gauge(label: "meridian_dns_prober_agreement_ratio", dimensions: dimensions).record(ratio) }
            Gauge(label: "meridian_dns_prober_unhealthy_endpoints", dimensions: dimensions).record(unhealthy[prober] ?? 0)
        }
    }
}
