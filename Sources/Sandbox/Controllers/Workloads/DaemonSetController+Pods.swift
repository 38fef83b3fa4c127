import Foundation
import KubeAPI
import KubeClient

extension DaemonSetController {
    /// The tolerations the controller adds to every daemon pod, so node conditions do not
    /// evict or keep out what a node needs.
    static let defaultTolerations: [(key: String, effect: String)] = [
        ("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"), ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"), ("node.kubernetes.io/unschedulable", "NoSchedule"),
    ]

    /// A daemon pod for `node`: the template with the default tolerations, the revision
    /// labels, and required node affinity on the node's name.
    static func newPod(_ set: JSONValue, node: String, hash: String) -> JSONValue {
        var pod = PodControl.pod(from: set["spec"]["template"], owner: set, generateName: "\(set.name)-")
        pod["metadata"]["labels"][revisionLabel] = .string(hash)
        pod["metadata"]["labels"][generationLabel] = .string(String(set.generation))
        var tolerations = pod["spec"]["tolerations"].arrayValue ?? []
        var defaults = defaultTolerations
        if pod["spec"]["hostNetwork"].boolValue == true { defaults.append(("node.kubernetes.io/network-unavailable", "NoSchedule")) }
        for (key, effect) in defaults
        where !tolerations.contains(where: { $0["key"].stringValue == key && $0["effect"].stringValue == effect }) {
            tolerations.append(["key": .string(key), "operator": "Exists", "effect": .string(effect)])
        }
        pod["spec"]["tolerations"] = .array(tolerations)
        let term: JSONValue = ["matchFields": [["key": "metadata.name", "operator": "In", "values": [.string(node)]]]]
        pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = ["nodeSelectorTerms": [term]]
        return pod
    }

    /// Whether a new daemon pod belongs on `node`, and whether one already there may stay
    /// (only NoExecute taints and selector changes evict).
    static func fit(_ set: JSONValue, node: JSONValue) -> (shouldRun: Bool, shouldContinue: Bool) {
        let pod = newPod(set, node: node.name, hash: "")
        var template = pod
        template["spec"]["affinity"] = set["spec"]["template"]["spec"]["affinity"]
        guard NodeFit.matchesSelectorAndAffinity(pod: template, nodeLabels: node.labels, nodeName: node.name) else { return (false, false) }
        let fit = NodeFit(used: PodRequests(), podCount: 0)
        var shouldRun = true
        var shouldContinue = true
        for taint in node["spec"]["taints"].arrayValue ?? [] {
            let effect = taint["effect"].stringValue ?? ""
            guard effect == "NoSchedule" || effect == "NoExecute" else { continue }
            if fit.tolerates(pod, key: taint["key"].stringValue ?? "", value: taint["value"].stringValue ?? "", effect: effect) { continue }
            shouldRun = false
            if effect == "NoExecute" { shouldContinue = false }
        }
        return (shouldRun, shouldContinue)
    }

    /// The node a daemon pod is bound to or pinned to.
    static func targetNode(_ pod: JSONValue) -> String? {
        if let node = pod["spec"]["nodeName"].stringValue, !node.isEmpty { return node }
        let terms = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
        for term in terms.arrayValue ?? [] {
            for field in term["matchFields"].arrayValue ?? [] where field["key"].stringValue == "metadata.name" {
                if let values = field["values"].arrayValue, values.count == 1 { return values[0].stringValue }
            }
        }
        return nil
    }

    static func byAge(_ pods: [JSONValue]) -> [JSONValue] {
        pods.sorted {
            ($0["metadata"]["creationTimestamp"].stringValue ?? "", $0.name) < (
                $1["metadata"]["creationTimestamp"].stringValue ?? "", $1.name
            )
        }
    }

    func create(_ set: JSONValue, node: String, hash: String, key: ObjectKey) async throws {
        do {
            let created = try await context.client.create(.pods, namespace: set.namespace, Self.newPod(set, node: node, hash: hash))
            await expectations.created(key, pod: created.name)
            await events.record(set, reason: "SuccessfulCreate", message: "Created pod: \(created.name)")
        } catch {
            await events.record(set, type: .warning, reason: "FailedCreate", message: "Error creating: \(error)")
            throw error
        }
    }

    func delete(_ pod: JSONValue, of set: JSONValue, key: ObjectKey) async throws {
        do {
            try await context.client.delete(
                .pods, namespace: pod.namespace, name: pod.name, options: DeleteOptions(preconditionUID: pod.uid))
        } catch {
            if error.isNotFound || error.isConflict { return }
            throw error
        }
        await expectations.deleted(key, pod: pod.name)
        await events.record(set, reason: "SuccessfulDelete", message: "Deleted pod: \(pod.name)")
    }

    /// desiredNumberScheduled, currentNumberScheduled, numberMisscheduled, numberReady,
    /// numberAvailable, numberUnavailable, updatedNumberScheduled, observedGeneration.
    func updateStatus(_ set: JSONValue, placements: [Placement], hash: String) async throws {
        let minReady = set["spec"]["minReadySeconds"].intValue ?? 0
        var desired = 0
        var current = 0
        var misscheduled = 0
        var ready = 0
        var available = 0
        var updated = 0
        for p in placements {
            guard p.shouldRun else {
                if !p.pods.isEmpty { misscheduled += 1 }
                continue
            }
            desired += 1
            guard let pod = p.pods.first else { continue }
            current += 1
            if PodControl.isReady(pod) { ready += 1 }
            if PodControl.isAvailable(pod, minReadySeconds: minReady) { available += 1 }
            if pod.labels[Self.revisionLabel] == hash { updated += 1 }
        }
        var status = set["status"].objectValue == nil ? JSONValue.emptyObject : set["status"]
        status["observedGeneration"] = .int(set.generation)
        status["desiredNumberScheduled"] = .int(Int64(desired))
        status["currentNumberScheduled"] = .int(Int64(current))
        status["numberMisscheduled"] = .int(Int64(misscheduled))
        status["numberReady"] = .int(Int64(ready))
        status["numberAvailable"] = available == 0 ? .null : .int(Int64(available))
        status["numberUnavailable"] = desired - available <= 0 ? .null : .int(Int64(desired - available))
        status["updatedNumberScheduled"] = updated == 0 ? .null : .int(Int64(updated))
        guard status != set["status"] else { return }
        var object = set
        object["status"] = status
        do {
            _ = try await context.client.update(.daemonSets, object, subresource: "status")
        } catch {
            if error.isNotFound { return }
            throw error
        }
    }
}
