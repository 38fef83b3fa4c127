import Foundation
import KubeAPI
import Testing

/// The sandbox's DaemonSet controller through kubectl: a pod per eligible node pinned by
/// node affinity, taints and tolerations, rolling updates, revisions.
@Suite struct DaemonSetControllerTests {
    static func daemonSet(image: String = "fluentd:1.16") -> String {
        """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: logs}
        spec:
          selector: {matchLabels: {app: logs}}
          template:
            metadata: {labels: {app: logs}}
            spec:
              containers: [{name: agent, image: "\(image)"}]
        """
    }

    /// node name → the set's pods bound or pinned there.
    static func podsByNode(_ sandbox: MeridianProcess) throws -> [String: [JSONValue]] {
        var out: [String: [JSONValue]] = [:]
        for pod in try sandbox.json(["pods", "-l", "app=logs"]).sortedItems {
            let terms = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
            let pinned = terms[0]["matchFields"][0]["values"][0].stringValue ?? "?"
            out[pinned, default: []].append(pod)
        }
        return out
    }

    @Test func onePodPerNodeExceptTaintedOnesThenRollingUpdate() throws {
        let sandbox = try MeridianProcess.sandbox(name: "ds-nodes")
        let nodes = ["ds-nodes-node-1", "ds-nodes-node-2", "ds-nodes-node-3"]
        #expect(try sandbox.json(["nodes"]).itemNames == nodes)
        let taint = try sandbox.kubectl(["taint", "nodes", nodes[2], "dedicated=infra:NoSchedule"])
        #expect(taint.status == 0, "\(taint.error)")
        try sandbox.apply(Self.daemonSet())

        let rollout = try sandbox.kubectl(["rollout", "status", "ds/logs", "--timeout=60s"])
        #expect(rollout.status == 0, "\(rollout.error)")
        #expect(rollout.output.contains("daemon set \"logs\" successfully rolled out"), "\(rollout.output)")
        var set = try sandbox.json(["ds", "logs"])
        var status = set["status"]
        #expect(status["desiredNumberScheduled"] == 2 && status["currentNumberScheduled"] == 2)
        #expect(status["numberReady"] == 2 && status["numberAvailable"] == 2 && status["updatedNumberScheduled"] == 2)
        #expect(status["numberMisscheduled"] == 0 && status["numberUnavailable"].isNull)
        #expect(status["observedGeneration"] == set["metadata"]["generation"])

        var byNode = try Self.podsByNode(sandbox)
        #expect(byNode.keys.sorted() == Array(nodes.prefix(2)))
        let revisions = try sandbox.json(["controllerrevisions"]).sortedItems
        #expect(revisions.count == 1)
        let hash = revisions.first?["metadata"]["labels"]["controller.kubernetes.io/hash"].stringValue ?? ""
        #expect(revisions.first?["metadata"]["name"].stringValue == "logs-\(hash)")
        for (node, pods) in byNode {
            #expect(pods.count == 1)
            let pod = pods[0]
            #expect(hasRandomSuffix(pod["metadata"]["name"].stringValue ?? "", prefix: "logs"))
            #expect(pod["spec"]["nodeName"].stringValue == node)
            #expect(pod["metadata"]["labels"]["controller-revision-hash"].stringValue == hash)
            #expect(pod["metadata"]["labels"]["pod-template-generation"] == "1")
            let tolerations = (pod["spec"]["tolerations"].arrayValue ?? []).compactMap { $0["key"].stringValue }
            #expect(tolerations.contains("node.kubernetes.io/not-ready") && tolerations.contains("node.kubernetes.io/unschedulable"))
        }
        let table = try sandbox.kubectl(["get", "ds", "logs", "--no-headers"])
        #expect(table.output.split(separator: " ", omittingEmptySubsequences: true).prefix(6) == ["logs", "2", "2", "2", "2", "2"])

        // The taint goes: the third node gets its pod.
        #expect(try sandbox.kubectl(["taint", "nodes", nodes[2], "dedicated=infra:NoSchedule-"]).status == 0)
        try sandbox.eventually(["ds", "logs"]) { $0["status"]["numberAvailable"] == 3 }
        byNode = try Self.podsByNode(sandbox)
        #expect(byNode.keys.sorted() == nodes && byNode.values.allSatisfy { $0.count == 1 })

        // A new image rolls out node by node.
        #expect(try sandbox.kubectl(["set", "image", "ds/logs", "agent=fluentd:1.17"]).status == 0)
        let update = try sandbox.kubectl(["rollout", "status", "ds/logs", "--timeout=60s"])
        #expect(update.status == 0, "\(update.error)")
        set = try sandbox.json(["ds", "logs"])
        status = set["status"]
        #expect(status["updatedNumberScheduled"] == 3 && status["numberAvailable"] == 3)
        let after = try sandbox.json(["pods", "-l", "app=logs"]).sortedItems
        #expect(after.count == 3)
        #expect(after.allSatisfy { $0["spec"]["containers"][0]["image"] == "fluentd:1.17" })
        #expect(after.allSatisfy { $0["metadata"]["labels"]["pod-template-generation"] == "2" })
        let newRevisions = try sandbox.json(["controllerrevisions"]).sortedItems
        #expect(newRevisions.count == 2)
        #expect(newRevisions.compactMap { $0["revision"].intValue }.sorted() == [1, 2])
        let events = try sandbox.events(about: "DaemonSet", "logs")
        #expect(events.filter { $0.reason == "SuccessfulDelete" }.count == 3)
        #expect(events.filter { $0.reason == "SuccessfulCreate" }.count == 6)
    }

    @Test func noExecuteTaintEvictsAndNodeSelectorLimits() throws {
        let sandbox = try MeridianProcess.sandbox(name: "ds-evict")
        #expect(try sandbox.kubectl(["label", "nodes", "ds-evict-node-1", "ds-evict-node-2", "role=edge"]).status == 0)
        let manifest = Self.daemonSet().replacingOccurrences(
            of: "      containers:", with: "      nodeSelector: {role: edge}\n      containers:")
        try sandbox.apply(manifest)
        try sandbox.eventually(["ds", "logs"]) { $0["status"]["numberAvailable"] == 2 && $0["status"]["desiredNumberScheduled"] == 2 }
        #expect(try Self.podsByNode(sandbox).keys.sorted() == ["ds-evict-node-1", "ds-evict-node-2"])
        #expect(try sandbox.kubectl(["taint", "nodes", "ds-evict-node-2", "evict=now:NoExecute"]).status == 0)
        try sandbox.eventually(["ds", "logs"]) {
            $0["status"]["desiredNumberScheduled"] == 1 && $0["status"]["currentNumberScheduled"] == 1
        }
        try sandbox.eventually(["pods", "-l", "app=logs"]) { $0["items"].arrayValue?.count == 1 }
        #expect(try Self.podsByNode(sandbox).keys.sorted() == ["ds-evict-node-1"])
    }

    @Test func surgeStartsTheNewPodBeforeTheOldOneGoes() throws {
        let sandbox = try MeridianProcess.sandbox(name: "ds-surge")
        let manifest = Self.daemonSet().replacingOccurrences(
            of: "  selector:", with: "  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}\n  selector:"
        )
        try sandbox.apply(manifest)
        #expect(try sandbox.kubectl(["rollout", "status", "ds/logs", "--timeout=60s"]).status == 0)
        #expect(try sandbox.kubectl(["set", "image", "ds/logs", "agent=fluentd:1.17"]).status == 0)
        // Every node keeps a ready pod throughout; some node runs two at some point.
        var sawTwo = false
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let byNode = try Self.podsByNode(sandbox)
            for (node, pods) in byNode {
                let ready = pods.contains { pod in
                    (pod["status"]["conditions"].arrayValue ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" }
                }
                #expect(ready, "no ready pod on \(node)")
                if pods.count > 1 { sawTwo = true }
            }
            let images = byNode.values.flatMap { $0 }.map { $0["spec"]["containers"][0]["image"].stringValue ?? "" }
            if images.count == 3, images.allSatisfy({ $0 == "fluentd:1.17" }) { break }
            usleep(50_000)
        }
        #expect(sawTwo)
        let rollout = try sandbox.kubectl(["rollout", "status", "ds/logs", "--timeout=60s"])
        #expect(rollout.output.contains("successfully rolled out"), "\(rollout.output) \(rollout.error)")
        let status = try sandbox.json(["ds", "logs"])["status"]
        #expect(status["updatedNumberScheduled"] == 3 && status["numberAvailable"] == 3 && status["currentNumberScheduled"] == 3)
    }
}
