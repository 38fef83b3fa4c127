import FederationAPI
import Foundation
import KubeAPI
import KubeClient
import Synchronization

/// How the control-plane replicas share their probe views: each publishes its own Lease
/// `federation-system/meridian-dns-prober-<identity>` (label
/// `federation.meridian.dev/dns-prober`, the view in the annotation
/// `federation.meridian.dev/probe-report`), renewed every `heartbeat` and at once when its
/// view changes. Objects in federation-system are never propagated to members.
public struct ProbeReportSettings: Sendable {
    /// This replica's identity (the leader election's).
    public var identity: String
    public var heartbeat: Duration
    /// A report not renewed for this long stops counting.
    public var staleAfter: Duration
    /// A report not renewed for this long is deleted (its replica is gone).
    public var forgetAfter: Duration

    public init(
        identity: String, heartbeat: Duration = .seconds(1), staleAfter: Duration = .seconds(4), forgetAfter: Duration = .seconds(120)
    ) {
        self.identity = identity
        self.heartbeat = heartbeat
        self.staleAfter = staleAfter
        self.forgetAfter = forgetAfter
    }
}

/// The Lease form of a `ProbeReport`.
public enum ProbeReportLease {
    public static let label = "federation.meridian.dev/dns-prober"
    public static let annotation = "federation.meridian.dev/probe-report"
    public static let namespace = Federation.systemNamespace

    /// `meridian-dns-prober-` and the identity as a valid object name.
    public static func name(identity: String) -> String {
        var name = String(
            identity.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") ? $0 : "-" })
        while let first = name.first, !(first.isLetter || first.isNumber) { name.removeFirst() }
        name = String(name.prefix(200))
        while let last = name.last, !(last.isLetter || last.isNumber) { name.removeLast() }
        return "meridian-dns-prober-" + (name.isEmpty ? "unnamed" : name)
    }

    public static func object(_ report: ProbeReport, settings: ProbeReportSettings, now: Date = Date()) -> JSONValue {
        let view: JSONValue = [
            "probing": .int(Int64(report.probing)), "unhealthy": .array(report.unhealthy.sorted().map(JSONValue.string)),
        ]
        return [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": [
                "name": .string(name(identity: report.prober)), "namespace": .string(namespace), "labels": [label: "true"],
                "annotations": [annotation: .string(view.serializedString())],
            ],
            "spec": [
                "holderIdentity": .string(report.prober), "renewTime": .string(Timestamp.formatMicro(now)),
                "leaseDurationSeconds": .int(max(1, settings.staleAfter.components.seconds)),
            ],
        ]
    }

    /// The report a Lease carries; nil for a Lease that is not one.
    public static func report(_ lease: JSONValue) -> ProbeReport? {
        guard lease["metadata"]["labels"][label].stringValue == "true", let prober = lease["spec"]["holderIdentity"].stringValue,
            let text = lease["metadata"]["annotations"][annotation].stringValue, let view = try? JSONParser.parse(text)
        else { return nil }
        return ProbeReport(
            prober: prober, unhealthy: Set((view["unhealthy"].arrayValue ?? []).compactMap(\.stringValue)),
            probing: Int(view["probing"].intValue ?? 0))
    }
}

/// When each replica's report last changed, on this replica's monotonic clock (as the
/// leader election judges Leases: clocks between machines need not agree). Fed by the
/// report informer's events.
public final class ProbeReportObserver: Sendable {
    private struct Seen {
        var report: ProbeReport
        var renewTime: String?
        var at: ContinuousClock.Instant
    }

    private let seen = Mutex<[String: Seen]>([:])
    let staleAfter: Duration

    public init(staleAfter: Duration) {
        self.staleAfter = staleAfter
    }

    /// Takes an informer event; true when it may change the agreement: a report's view
    /// changed, or a report appeared, went away or came back from stale (a mere renewal
    /// of a fresh report changes nothing).
    @discardableResult
    public func observe(_ event: InformerEvent, now: ContinuousClock.Instant = .now) -> Bool {
        let name = event.object["metadata"]["name"].stringValue ?? ""
        guard case .deleted = event else {
            guard let report = ProbeReportLease.report(event.object) else { return false }
            let renewTime = event.object["spec"]["renewTime"].stringValue
            return seen.withLock { all in
                let old = all[name]
                if old?.report != report || old?.renewTime != renewTime { all[name] = Seen(report: report, renewTime: renewTime, at: now) }
                guard let old else { return true }
                return old.report != report || now - old.at > staleAfter
            }
        }
        return seen.withLock { $0.removeValue(forKey: name) } != nil
    }

    /// Every report with its age.
    public func reports(now: ContinuousClock.Instant = .now) -> [ProbeAgreement.Observed] {
        seen.withLock { all in all.values.map { ProbeAgreement.Observed($0.report, age: now - $0.at) } }
    }

    /// The Lease names of reports older than `age`.
    public func names(olderThan age: Duration, now: ContinuousClock.Instant = .now) -> [String] {
        seen.withLock { all in all.filter { now - $0.value.at > age }.map(\.key).sorted() }
    }
}

extension ProbeTarget {
    /// How a report names the endpoint: address, port and check.
    public var reportKey: String { "\(description) \(check)" }
}
