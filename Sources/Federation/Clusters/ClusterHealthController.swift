import FederationAPI
import Foundation
import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle

/// Probes every member's `/readyz` every `interval` with the federation's credentials and
/// keeps each Cluster's status: `state` Ready/Offline and the kubefed-style `Ready` and
/// `Offline` conditions with reason, message and lastProbeTime.
public struct ClusterHealthController: Reconciler {
    let federation: KubeClient
    let clusters: Informer
    let secrets: Informer
    let members: MemberClients
    let book = HealthBook()
    let events: EventRecorder
    let interval: Duration
    /// lastProbeTime is refreshed at least this often even when nothing changes.
    let statusRefresh: Duration = .seconds(10)

    public static func make(
        federation: KubeClient, informers: SharedInformers, members: MemberClients, interval: Duration, logger: Logger
    ) -> [any Service] {
        let reconciler = ClusterHealthController(
            federation: federation, clusters: informers.informer(for: .clusters), secrets: informers.informer(for: .secrets),
            members: members, events: EventRecorder(client: federation, component: "cluster-controller", logger: logger), interval: interval
        )
        let controller = Controller(
            name: "cluster-health", reconciler: reconciler, informers: [reconciler.clusters, reconciler.secrets], workers: 4, logger: logger
        )
        let queue = controller.queue
        reconciler.clusters.addHandler { event in
            // Status writes come back as events; the probe schedule is the queue's.
            if case .updated(let old, let new) = event, old["spec"] == new["spec"] { return }
            queue.add(event.object["metadata"]["name"].stringValue ?? "")
        }
        return [controller]
    }

    public func reconcile(_ name: String, logger: Logger) async throws -> ReconcileResult {
        guard let object = await clusters.get(name: name), object["metadata"]["deletionTimestamp"].isNull else {
            await book.forget(name)
            await members.forget(name)
            return .done
        }
        let cluster = Cluster(object: object)
        let secret = await cluster.secretName.asyncMap { await secrets.get(namespace: Federation.systemNamespace, name: $0) }.map(
            Secret.init(object:))
        var failure: String?
        do {
            let member = try await members.client(for: cluster, secret: secret)
            let response = try await member.transport.request(.GET, "/readyz", timeout: .seconds(2))
            if response.status != 200 {
                failure = "/readyz answered \(response.status): \(String(decoding: response.body.prefix(200), as: UTF8.self))"
            }
        } catch {
            failure = "\(error)"
        }
        let (health, changed, first) = await book.record(
            name, initial: cluster.state.flatMap(ClusterState.init), success: failure == nil, error: failure)
        let lastProbe = (object["status"]["conditions"].arrayValue ?? []).first { $0["type"] == "Ready" }?["lastProbeTime"].stringValue
        let stale =
            lastProbe.flatMap(Timestamp.parse).map { Date().timeIntervalSince($0) >= Double(statusRefresh.components.seconds) } ?? true
        if let state = health.state, changed != nil || first || cluster.state != state.rawValue || stale {
            try await writeStatus(object, state: state, error: health.lastError)
            if let changed {
                let message =
                    changed == .ready ? "cluster \(name) is reachable" : "cluster \(name) is not reachable: \(health.lastError ?? "")"
                await events.record(
                    object, type: changed == .ready ? .normal : .warning, reason: changed == .ready ? "ClusterReady" : "ClusterOffline",
                    message: message)
                logger.info("cluster state changed", metadata: ["meridian.cluster": "\(name)", "meridian.state": "\(changed.rawValue)"])
            }
        }
        return .requeue(after: interval)
    }

    private func writeStatus(_ object: JSONValue, state: ClusterState, error: String?) async throws {
        let now = Timestamp.now()
        let ready = state == .ready
        let previous = object["status"]["conditions"].arrayValue ?? []
        func condition(_ type: String, _ status: Bool, _ reason: String, _ message: String) -> JSONValue {
            let old = previous.first { $0["type"].stringValue == type }
            let text = status ? "True" : "False"
            return [
                "type": .string(type), "status": .string(text), "reason": .string(reason), "message": .string(message),
                "lastProbeTime": .string(now),
                "lastTransitionTime": old?["status"].stringValue == text ? (old?["lastTransitionTime"] ?? .string(now)) : .string(now),
            ]
        }
        let status: JSONValue = [
            "state": .string(state.rawValue),
            "conditions": [
                condition(
                    "Ready", ready, ready ? "ClusterReady" : "ClusterNotReachable",
                    ready ? "/readyz responded with ok" : (error ?? "cluster is not reachable")),
                condition(
                    "Offline", !ready, ready ? "ClusterReachable" : "ClusterNotReachable",
                    ready ? "cluster is reachable" : "cluster is not reachable"),
            ],
        ]
        do {
            _ = try await federation.patch(
                .clusters, name: object["metadata"]["name"].stringValue ?? "", ["status": status], as: .merge, subresource: "status")
        } catch {
            if !error.isNotFound { throw error }
        }
    }
}

/// Probe history per cluster.
actor HealthBook {
    private var entries: [String: ClusterHealth] = [:]

    /// Records a probe; `first` says it is this process's first probe of the cluster.
    func record(_ name: String, initial: ClusterState?, success: Bool, error: String?) -> (ClusterHealth, ClusterState?, first: Bool) {
        let first = entries[name] == nil
        var health = entries[name] ?? ClusterHealth(state: initial)
        let changed = health.record(success: success, error: error)
        entries[name] = health
        return (health, changed, first)
    }

    func forget(_ name: String) { entries[name] = nil }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async -> T?) async -> T? {
        guard let value = self else { return nil }
        return await transform(value)
    }
}
