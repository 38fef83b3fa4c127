import Foundation
import KubeAPI
import KubeClient
import Logging

/// Writes core/v1 Events about objects, as controllers in kube-controller-manager do:
/// a repeat of the same reason and message on the same object bumps `count` and
/// `lastTimestamp` of the existing Event instead of creating another.
public actor EventRecorder {
    public enum EventType: String, Sendable {
        case normal = "Normal"
        case warning = "Warning"
    }

    private struct Series: Hashable {
        var uid: String
        var reason: String
        var message: String
    }

    let client: KubeClient
    let component: String
    let host: String?
    let logger: Logger
    private var recent: [Series: (namespace: String, name: String, count: Int64)] = [:]
    private var order: [Series] = []
    private let remembered = 4096

    public init(client: KubeClient, component: String, host: String? = nil, logger: Logger) {
        self.client = client
        self.component = component
        self.host = host
        self.logger = logger
    }

    /// Records an Event on `object`. Failures are logged, never thrown: an Event is
    /// information, not state.
    public func record(_ object: JSONValue, type: EventType = .normal, reason: String, message: String) async {
        let metadata = object["metadata"]
        let uid = metadata["uid"].stringValue ?? ""
        let namespace = metadata["namespace"].stringValue ?? "default"
        let series = Series(uid: uid, reason: reason, message: message)
        let now = Timestamp.now()
        if let existing = recent[series] {
            let count = existing.count + 1
            let patch: JSONValue = ["count": .int(count), "lastTimestamp": .string(now)]
            do {
                _ = try await client.patch(.events, namespace: existing.namespace, name: existing.name, patch, as: .merge)
                recent[series]?.count = count
                return
            } catch {
                recent[series] = nil
            }
        }
        let name = "\(metadata["name"].stringValue ?? "object").\(Self.suffix())"
        var source: JSONValue = ["component": .string(component)]
        if let host { source["host"] = .string(host) }
        let event: JSONValue = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "involvedObject": [
                "apiVersion": object["apiVersion"], "kind": object["kind"], "name": metadata["name"],
                "namespace": metadata["namespace"], "uid": metadata["uid"], "resourceVersion": metadata["resourceVersion"],
            ],
            "reason": .string(reason), "message": .string(message), "type": .string(type.rawValue),
            "source": source, "reportingComponent": .string(component), "reportingInstance": .string(host ?? component),
            "firstTimestamp": .string(now), "lastTimestamp": .string(now), "count": 1,
        ]
        do {
            _ = try await client.create(.events, namespace: namespace, event)
            remember(series, namespace: namespace, name: name)
        } catch {
            logger.debug("cannot record event", metadata: ["reason": "\(reason)", "error": "\(error)"])
        }
    }

    private func remember(_ series: Series, namespace: String, name: String) {
        if recent[series] == nil { order.append(series) }
        recent[series] = (namespace, name, 1)
        if order.count > remembered {
            let excess = order.count - remembered
            for key in order.prefix(excess) { recent[key] = nil }
            order.removeFirst(excess)
        }
    }

    /// Kubernetes names events `<object>.<16 hex digits>` (a timestamp); a random suffix
    /// avoids collisions between recorders.
    static func suffix() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 16).padding(toLength: 16, withPad: "0", startingAt: 0)
    }
}
