import Foundation
import KubeAPI
import Testing

/// `meridian sandbox` as users see it through kubectl: nodes, scheduling, the simulated
/// kubelet, Deployments and ReplicaSets, garbage collection.
@Suite struct SandboxClusterTests {
    func json(_ result: CommandResult) throws -> JSONValue {
        #expect(result.status == 0, "kubectl failed: \(result.error)")
        return try JSONParser.parse(Array(result.output.utf8))
    }

    @Test func nodesCarryTopologyAndHeartbeats() throws {
        let sandbox = try MeridianProcess.sandbox(name: "nodes-west", extra: ["--region", "westus", "--zone", "westus-2", "--nodes", "2"])
        let nodes = try json(sandbox.kubectlEventually(["get", "nodes", "-o", "json"]) { $0.output.contains("nodes-west-node-2") })
        let items = nodes["items"].arrayValue ?? []
        #expect(items.map { $0["metadata"]["name"] } == ["nodes-west-node-1", "nodes-west-node-2"])
        for node in items {
            #expect(node["metadata"]["labels"]["topology.kubernetes.io/region"] == "westus")
            #expect(node["metadata"]["labels"]["topology.kubernetes.io/zone"] == "westus-2")
            #expect(node["status"]["allocatable"]["cpu"] == "4")
            let ready = (node["status"]["conditions"].arrayValue ?? []).first { $0["type"] == "Ready" }
            #expect(ready?["status"] == "True")
            #expect(ready?["reason"] == "KubeletReady")
        }
        let leases = try sandbox.kubectlEventually(["get", "leases", "-n", "kube-node-lease", "-o", "name"]) {
            $0.output.split(separator: "\n").count == 2
        }
        #expect(leases.output == "lease.coordination.k8s.io/nodes-west-node-1\nlease.coordination.k8s.io/nodes-west-node-2\n")
    }

    @Test func everyNamespaceGetsTheDefaultServiceAccountAndRootCA() throws {
        let sandbox = try MeridianProcess.sandbox(name: "bootstrap")
        try sandbox.kubectl(["create", "namespace", "team-a"])
        try sandbox.kubectlEventually(["get", "serviceaccount", "default", "-n", "team-a"]) { $0.status == 0 }
        let ca = try sandbox.kubectlEventually(["get", "configmap", "kube-root-ca.crt", "-n", "team-a", "-o", "jsonpath={.data.ca\\.crt}"])
        {
            $0.status == 0 && !$0.output.isEmpty
        }
        #expect(ca.output.hasPrefix("-----BEGIN CERTIFICATE-----"))
        // Deleted: it comes back.
        try sandbox.kubectl(["delete", "serviceaccount", "default", "-n", "team-a"])
        try sandbox.kubectlEventually(["get", "serviceaccount", "default", "-n", "team-a"]) { $0.status == 0 }
    }

    @Test func deploymentRollsOutReplacesPodsAndRollsBack() throws {
        let sandbox = try MeridianProcess.sandbox(name: "rollout")
        try sandbox.kubectl(["create", "deployment", "web", "--image=nginx:1.27", "--replicas=3"])
        let status = try sandbox.kubectl(["rollout", "status", "deployment/web", "--timeout=60s"])
        #expect(status.status == 0, "\(status.error)")
        #expect(status.output.hasSuffix("deployment \"web\" successfully rolled out\n"))

        let rs = try json(sandbox.kubectl(["get", "rs", "-l", "app=web", "-o", "json"]))["items"].arrayValue ?? []
        #expect(rs.count == 1)
        let hash = rs.first?["metadata"]["labels"]["pod-template-hash"].stringValue ?? "?"
        #expect(rs.first?["metadata"]["name"].stringValue == "web-\(hash)")
        #expect(rs.first?["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1")

        var pods = try json(sandbox.kubectl(["get", "pods", "-l", "app=web", "-o", "json"]))["items"].arrayValue ?? []
        #expect(pods.count == 3)
        for pod in pods {
            #expect(pod["status"]["phase"] == "Running")
            #expect(pod["metadata"]["name"].stringValue?.hasPrefix("web-\(hash)-") == true)
            #expect(pod["status"]["podIP"].stringValue?.hasPrefix("10.244.") == true)
            #expect(pod["status"]["containerStatuses"][0]["ready"] == true)
        }
        // Three nodes, three replicas: one each.
        #expect(Set(pods.compactMap { $0["spec"]["nodeName"].stringValue }) == ["rollout-node-1", "rollout-node-2", "rollout-node-3"])

        // A deleted pod is replaced.
        let victim = pods[0]["metadata"]["name"].stringValue ?? ""
        try sandbox.kubectl(["delete", "pod", victim])
        try sandbox.kubectlEventually(["get", "pods", "-l", "app=web", "-o", "json"]) { r in
            let items = (try? JSONParser.parse(Array(r.output.utf8)))?["items"].arrayValue ?? []
            return items.count == 3
                && items.allSatisfy { $0["status"]["phase"] == "Running" && $0["metadata"]["name"].stringValue != victim }
        }

        // New template, then undo: back to the first image, as revision 3.
        try sandbox.kubectl(["set", "image", "deployment/web", "nginx=nginx:1.28"])
        #expect(try sandbox.kubectl(["rollout", "status", "deployment/web", "--timeout=60s"]).status == 0)
        #expect(
            try sandbox.kubectl(["get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"]).output
                == "nginx:1.28")
        let undo = try sandbox.kubectl(["rollout", "undo", "deployment/web"])
        #expect(undo.status == 0, "\(undo.error)")
        #expect(try sandbox.kubectl(["rollout", "status", "deployment/web", "--timeout=60s"]).status == 0)
        #expect(
            try sandbox.kubectl(["get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"]).output
                == "nginx:1.27")
        let history = try sandbox.kubectl([
            "get", "rs", "-l", "app=web", "-o",
            "jsonpath={range .items[*]}{.metadata.name}={.metadata.annotations.deployment\\.kubernetes\\.io/revision}/{.spec.replicas} {end}",
        ])
        #expect(
            Set(history.output.split(separator: " ").map(String.init)) == [
                "web-\(hash)=3/3", rsNameOtherThan(hash, in: history.output) + "=2/0",
            ])
        pods = try json(sandbox.kubectl(["get", "pods", "-l", "app=web", "-o", "json"]))["items"].arrayValue ?? []
        #expect(pods.allSatisfy { $0["spec"]["containers"][0]["image"] == "nginx:1.27" })
        let deploy = try json(sandbox.kubectl(["get", "deployment", "web", "-o", "json"]))
        #expect(deploy["status"]["readyReplicas"] == 3)
        #expect(deploy["status"]["updatedReplicas"] == 3)
        let progressing = (deploy["status"]["conditions"].arrayValue ?? []).first { $0["type"] == "Progressing" }
        #expect(progressing?["reason"] == "NewReplicaSetAvailable")
    }

    func rsNameOtherThan(_ hash: String, in output: String) -> String {
        output.split(separator: " ").map { String($0.split(separator: "=")[0]) }.first { $0 != "web-\(hash)" } ?? "?"
    }

    @Test func unschedulablePodStaysPendingWithTheSchedulersReason() throws {
        let sandbox = try MeridianProcess.sandbox(name: "pending")
        let pod = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"huge"},
             "spec":{"containers":[{"name":"c","image":"nginx","resources":{"requests":{"cpu":"64"}}}]}}
            """
        #expect(try sandbox.kubectl(["create", "-f", "-"], input: pod).status == 0)
        let message =
            "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
        let events = try sandbox.kubectlEventually(
            ["get", "events", "--field-selector", "involvedObject.name=huge,reason=FailedScheduling", "-o", "jsonpath={.items[0].message}"]
        ) { $0.output == message }
        #expect(events.output == message)
        let condition = try sandbox.kubectl([
            "get", "pod", "huge", "-o", "jsonpath={.status.phase} {.status.conditions[?(@.type=='PodScheduled')].reason}",
        ])
        #expect(condition.output == "Pending Unschedulable")
        // A pod that fits a node selector lands there; one that matches no node does not.
        let pinned = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"pinned"},
             "spec":{"nodeSelector":{"kubernetes.io/hostname":"pending-node-2"},"containers":[{"name":"c","image":"nginx"}]}}
            """
        #expect(try sandbox.kubectl(["create", "-f", "-"], input: pinned).status == 0)
        try sandbox.kubectlEventually(["get", "pod", "pinned", "-o", "jsonpath={.spec.nodeName} {.status.phase}"]) {
            $0.output == "pending-node-2 Running"
        }
    }

    @Test func garbageCollectionHonoursPropagationPolicy() throws {
        let sandbox = try MeridianProcess.sandbox(name: "gc")
        for name in ["bg", "fg", "orphan"] {
            try sandbox.kubectl(["create", "deployment", name, "--image=nginx", "--replicas=2"])
            #expect(try sandbox.kubectl(["rollout", "status", "deployment/\(name)", "--timeout=60s"]).status == 0)
        }
        #expect(try sandbox.kubectl(["delete", "deployment", "bg"]).status == 0)
        #expect(try sandbox.kubectl(["delete", "deployment", "fg", "--cascade=foreground"]).status == 0)
        #expect(try sandbox.kubectl(["delete", "deployment", "orphan", "--cascade=orphan"]).status == 0)
        try sandbox.kubectlEventually(["get", "rs,pods", "-l", "app in (bg,fg)", "-o", "name"]) { $0.status == 0 && $0.output.isEmpty }
        // Orphaned: the ReplicaSet and its pods stay, without an owner.
        let orphans = try json(
            sandbox.kubectlEventually(["get", "rs", "-l", "app=orphan", "-o", "json"]) { r in
                r.output.contains("\"replicas\"") && !r.output.contains("ownerReferences")
            })
        #expect(orphans["items"].arrayValue?.count == 1)
        #expect(orphans["items"][0]["spec"]["replicas"] == 2)
        let pods = try sandbox.kubectl(["get", "pods", "-l", "app=orphan", "-o", "name"])
        #expect(pods.output.split(separator: "\n").count == 2)
    }

    @Test func pythonClientWatchesAPodBecomeReady() throws {
        let sandbox = try MeridianProcess.sandbox(name: "python")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/pod_transitions.py")
        let r = try run("/usr/bin/env", ["python3", script.path, sandbox.kubeconfig.path, "py-watch"])
        #expect(r.status == 0, "python client failed: \(r.error)")
        let out = try JSONParser.parse(Array(r.output.utf8))
        // Watching from the creation's resourceVersion: bound by the scheduler, then Running
        // and Ready from the kubelet (consecutive identical states folded).
        #expect(out["transitions"] == [["MODIFIED", "Pending", true, false], ["MODIFIED", "Running", true, true]])
        #expect(out["node"].stringValue?.hasPrefix("python-node-") == true)
        #expect(out["podIP"].stringValue?.hasPrefix("10.244.") == true)
        #expect(out["containerReady"] == true)
        #expect(out["image"] == "nginx:1.27")
    }
}

/// Many sandboxes in one process (`--count`): one kubeconfig with every context.
@Suite struct SandboxFleetTests {
    @Test func countServesNamedSandboxesWithOneKubeconfig() throws {
        let dir = try Paths.temporaryDirectory("fleet")
        let kubeconfig = dir.appendingPathComponent("kubeconfig")
        let fleet = try MeridianProcess(
            ["sandbox", "--name", "fleet", "--count", "3", "--nodes", "1", "--data-dir", dir.path, "--write-kubeconfig", kubeconfig.path],
            dataDir: dir, kubeconfig: kubeconfig)
        defer { fleet.kill() }
        try fleet.waitUntilReady()
        let contexts = try fleet.kubectl(["config", "get-contexts", "-o", "name"])
        #expect(contexts.output == "fleet-1\nfleet-2\nfleet-3\n")
        for name in ["fleet-1", "fleet-2", "fleet-3"] {
            try fleet.kubectlEventually(["--context", name, "get", "nodes", "-o", "jsonpath={.items[*].metadata.name}"]) {
                $0.output == "\(name)-node-1"
            }
        }
        // Separate clusters: an object in one is not in another.
        try fleet.kubectl(["--context", "fleet-2", "create", "configmap", "only-here"])
        #expect(
            try fleet.kubectl(["--context", "fleet-2", "get", "configmap", "only-here", "-o", "name"]).output == "configmap/only-here\n")
        #expect(try fleet.kubectl(["--context", "fleet-3", "get", "configmap", "only-here"]).status != 0)
    }
}
