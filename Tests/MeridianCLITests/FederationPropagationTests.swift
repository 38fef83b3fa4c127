import Foundation
import KubeAPI
import Testing

/// Propagation as the seed exercises it: Deployments split over the members, federated
/// status is the sum, deletion cleans members, and a member object Meridian did not
/// create is never overwritten.
@Suite struct FederationPropagationTests {
    @Test func deploymentsSplitStatusSumsAndDeletionCleansMembers() throws {
        let fed = try FederationFixture(members: [("westuscluster1", "westus"), ("eastuscluster1", "eastus")])
        try fed.joinAll()
        #expect(try fed.kubectl(["create", "deployment", "calculator", "--image=nginx", "--replicas=2"]).status == 0)
        #expect(try fed.kubectl(["create", "deployment", "frontend", "--image=nginx", "--replicas=3"]).status == 0)
        // 2 on 2 → 1 + 1; 3 on 2 → 2 + 1, the remainder to the first cluster by name.
        for (member, want) in [("eastuscluster1", "calculator=1/1 frontend=2/2 "), ("westuscluster1", "calculator=1/1 frontend=1/1 ")] {
            try fed.eventually(
                [
                    "--context", member, "get", "deployments", "-o",
                    "jsonpath={range .items[*]}{.metadata.name}={.spec.replicas}/{.status.readyReplicas} {end}",
                ]
            ) { $0.output == want }
        }
        let copy = try fed.kubectl(["--context", "westuscluster1", "get", "deployment", "calculator", "-o", "json"])
        let copyObject = try JSONParser.parse(Array(copy.output.utf8))
        #expect(copyObject["metadata"]["labels"]["federation.meridian.dev/managed"] == "true")
        #expect(copyObject["metadata"]["annotations"]["federation.meridian.dev/federation"] == "myfederation")
        // The federation shows the sum.
        try fed.eventually([
            "get", "deployments", "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.readyReplicas}/{.spec.replicas} {end}",
        ]) {
            $0.output == "calculator=2/2 frontend=3/3 "
        }

        #expect(try fed.kubectl(["delete", "deployment", "frontend", "--timeout=30s"]).status == 0)
        for member in ["eastuscluster1", "westuscluster1"] {
            try fed.eventually(["--context", member, "get", "deployments", "-o", "name"]) { $0.output == "deployment.apps/calculator\n" }
        }
        #expect(try fed.kubectl(["get", "deployment", "frontend"]).status != 0)
    }

    @Test func replicaSetsAndJobsAreDividedAndTheirStatusSummed() throws {
        let fed = try FederationFixture(members: [("westuscluster1", "westus"), ("eastuscluster1", "eastus")])
        try fed.joinAll()
        let workloads = """
            apiVersion: apps/v1
            kind: ReplicaSet
            metadata: {name: cache}
            spec:
              replicas: 3
              selector: {matchLabels: {app: cache}}
              template:
                metadata: {labels: {app: cache}}
                spec: {containers: [{name: cache, image: redis}]}
            ---
            apiVersion: batch/v1
            kind: Job
            metadata: {name: batch}
            spec:
              parallelism: 3
              completions: 5
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: work, image: busybox}]
            """
        let created = try fed.kubectl(["apply", "-f", "-"], input: workloads)
        #expect(created.status == 0, "\(created.error)")
        // ReplicaSet 3 on 2 → 2 + 1. Job parallelism 3 → 2 + 1, and its 5 completions in the
        // same 2 : 1 proportion → 3 + 2 (the leftover to the larger remainder).
        for (member, want) in [("eastuscluster1", "rs=2/2 job=2/3"), ("westuscluster1", "rs=1/1 job=1/2")] {
            try fed.eventually(
                [
                    "--context", member, "get", "replicaset/cache", "job/batch", "-o",
                    "jsonpath={.items[0].spec.replicas}/{.items[0].status.readyReplicas} {.items[1].spec.parallelism}/{.items[1].spec.completions}",
                ]
            ) { $0.output == want.replacingOccurrences(of: "rs=", with: "").replacingOccurrences(of: "job=", with: "") }
        }
        try fed.eventually(["get", "replicaset", "cache", "-o", "jsonpath={.status.replicas}/{.status.readyReplicas}"]) {
            $0.output == "3/3"
        }
        // The federated Job is Complete once both members' copies are, with every completion summed.
        let wait = try fed.kubectl(["wait", "--for=condition=complete", "job/batch", "--timeout=60s"])
        #expect(wait.status == 0, "\(wait.error)")
        #expect(wait.output == "job.batch/batch condition met\n")
        let job = try JSONParser.parse(Array(try fed.kubectl(["get", "job", "batch", "-o", "json"]).output.utf8))
        #expect(job["status"]["succeeded"] == 5)
        #expect(job["status"]["failed"].isNull)
        #expect(job["status"]["startTime"].stringValue != nil)
        #expect(job["status"]["completionTime"].stringValue != nil)
        #expect(job["spec"]["parallelism"] == 3)
        #expect(job["spec"]["completions"] == 5)
    }

    @Test func memberObjectsMeridianDidNotCreateAreLeftAlone() throws {
        let fed = try FederationFixture(members: [("alpha", "region-1"), ("beta", "region-2")])
        try fed.joinAll()
        #expect(try fed.kubectl(["--context", "alpha", "create", "configmap", "settings", "--from-literal=owner=alpha"]).status == 0)
        #expect(try fed.kubectl(["create", "configmap", "settings", "--from-literal=owner=federation"]).status == 0)
        try fed.eventually(["--context", "beta", "get", "configmap", "settings", "-o", "jsonpath={.data.owner}"]) {
            $0.output == "federation"
        }
        let clash = try fed.eventually(["get", "events", "--field-selector", "reason=NameClash", "-o", "jsonpath={.items[0].message}"]) {
            !$0.output.isEmpty
        }
        #expect(clash.output == "cluster alpha has a ConfigMap default/settings that Meridian did not create; it is left alone")
        #expect(try fed.kubectl(["--context", "alpha", "get", "configmap", "settings", "-o", "jsonpath={.data.owner}"]).output == "alpha")
        // Deleting the federated object leaves the member's own object too.
        #expect(try fed.kubectl(["delete", "configmap", "settings", "--timeout=30s"]).status == 0)
        try fed.eventually(["--context", "beta", "get", "configmap", "settings"]) { $0.status != 0 }
        #expect(try fed.kubectl(["--context", "alpha", "get", "configmap", "settings", "-o", "jsonpath={.data.owner}"]).output == "alpha")
    }

    @Test func driftInAMemberIsRevertedAndRecorded() throws {
        let fed = try FederationFixture(members: [("drift-a", "region-1"), ("drift-b", "region-2")])
        try fed.joinAll()
        #expect(try fed.kubectl(["create", "deployment", "web", "--image=nginx", "--replicas=2"]).status == 0)
        try fed.eventually(["--context", "drift-a", "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"]) { $0.output == "1" }
        try fed.eventually(["--context", "drift-b", "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"]) { $0.output == "1" }

        // Scaled by hand in a member: put back, watch-driven (2 s is the target; the bound
        // here leaves room for a loaded test machine).
        #expect(try fed.kubectl(["--context", "drift-a", "scale", "deployment", "web", "--replicas=5"]).status == 0)
        try fed.eventually(["--context", "drift-a", "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"], timeout: .seconds(4)) {
            $0.output == "1"
        }
        // Deleted in a member: recreated.
        #expect(try fed.kubectl(["--context", "drift-b", "delete", "deployment", "web"]).status == 0)
        try fed.eventually(["--context", "drift-b", "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"], timeout: .seconds(4)) {
            $0.output == "1"
        }
        let reverts = try fed.eventually(
            ["get", "events", "--field-selector", "reason=DriftReverted", "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}"]
        ) { $0.output.split(separator: "\n").count == 2 }
        #expect(
            Set(reverts.output.split(separator: "\n").map(String.init)) == [
                "cluster drift-a: spec.replicas changed in the member; reverted", "cluster drift-b: the copy was deleted; recreated",
            ])
    }

    @Test func aCopyLeftInAnOfflineMemberIsCleanedWhenItReturns() throws {
        let fed = try FederationFixture(members: [("gone-a", "region-1"), ("gone-b", "region-2")])
        try fed.joinAll()
        #expect(try fed.kubectl(["create", "configmap", "settings", "--from-literal=k=v"]).status == 0)
        for member in ["gone-a", "gone-b"] {
            try fed.eventually(["--context", member, "get", "configmap", "settings", "-o", "jsonpath={.data.k}"]) { $0.output == "v" }
        }
        // gone-b freezes (its API stops answering) and goes Offline.
        let frozen = fed.members["gone-b"]!
        frozen.send(SIGSTOP)
        defer { frozen.send(SIGCONT) }
        try fed.eventually(["get", "cluster", "gone-b", "-o", "jsonpath={.status.state}"]) { $0.output == "Offline" }
        // Deleting in the federation does not wait for it; the Ready member is cleaned at once.
        #expect(try fed.kubectl(["delete", "configmap", "settings", "--timeout=30s"]).status == 0)
        try fed.eventually(["--context", "gone-a", "get", "configmap", "settings"]) { $0.status != 0 }
        // Back: its stale copy goes.
        frozen.send(SIGCONT)
        try fed.eventually(["get", "cluster", "gone-b", "-o", "jsonpath={.status.state}"]) { $0.output == "Ready" }
        let gone = try fed.eventually(["--context", "gone-b", "get", "configmap", "settings"], timeout: .seconds(10)) { $0.status != 0 }
        #expect(gone.error.contains("NotFound"), "\(gone.error)")
    }

    @Test func denylistedKindsStayInTheFederationAndPropagationLatencyIsMeasured() throws {
        let fed = try FederationFixture(
            members: [("deny-a", "region-1")], serveArguments: ["--propagation-denylist", "secrets,roles.rbac.authorization.k8s.io"])
        try fed.joinAll()
        #expect(try fed.kubectl(["create", "secret", "generic", "token", "--from-literal=k=v"]).status == 0)
        #expect(try fed.kubectl(["create", "role", "reader", "--verb=get", "--resource=pods"]).status == 0)
        #expect(try fed.kubectl(["create", "configmap", "settings", "--from-literal=k=v"]).status == 0)
        try fed.eventually(["--context", "deny-a", "get", "configmap", "settings", "-o", "jsonpath={.data.k}"]) { $0.output == "v" }
        #expect(try fed.kubectl(["--context", "deny-a", "get", "secret", "token"]).error.contains("NotFound"))
        #expect(try fed.kubectl(["--context", "deny-a", "get", "role", "reader"]).error.contains("NotFound"))
        // Denylisted objects get no finalizer either: they are the federation's own.
        #expect(try fed.kubectl(["get", "secret", "token", "-o", "jsonpath={.metadata.finalizers}"]).output == "")
        let metrics = try fed.kubectl(["get", "--raw", "/metrics"]).output
        let count = metrics.split(separator: "\n").first { $0.hasPrefix("meridian_propagation_latency_seconds_count") }
        #expect((count?.split(separator: " ").last.flatMap { Double($0) } ?? 0) >= 1, "\(count ?? "no latency series")")
    }

    static let widgetCRD = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: widgets.example.com}
        spec:
          group: example.com
          scope: Namespaced
          names: {plural: widgets, singular: widget, kind: Widget}
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec: {type: object, properties: {size: {type: integer}, color: {type: string}}}
        """

    @Test func customResourcesPropagateWithTheirDefinitions() throws {
        let fed = try FederationFixture(members: [("crd-a", "region-1"), ("crd-b", "region-2")])
        try fed.joinAll()
        #expect(try fed.kubectl(["create", "-f", "-"], input: Self.widgetCRD).status == 0)
        try fed.eventually(["get", "crd", "widgets.example.com", "-o", "jsonpath={.status.conditions[?(@.type==\"Established\")].status}"])
        {
            $0.output == "True"
        }
        let widget = """
            {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "gear", "labels": {"team": "blue"}},
             "spec": {"size": 3, "color": "red"}}
            """
        let created = try fed.kubectl(["create", "-f", "-"], input: widget)
        #expect(created.status == 0, "\(created.error)")
        for member in ["crd-a", "crd-b"] {
            try fed.eventually([
                "--context", member, "get", "widgets", "gear", "-o", "jsonpath={.spec.size}/{.spec.color}/{.metadata.labels.team}",
            ]) {
                $0.output == "3/red/blue"
            }
        }
        #expect(try fed.kubectl(["patch", "widget", "gear", "--type=merge", "-p", #"{"spec":{"size":5}}"#]).status == 0)
        for member in ["crd-a", "crd-b"] {
            try fed.eventually(["--context", member, "get", "widget", "gear", "-o", "jsonpath={.spec.size}"]) { $0.output == "5" }
        }
        // Drift in a custom object is put back like any other.
        #expect(
            try fed.kubectl(["--context", "crd-a", "patch", "widget", "gear", "--type=merge", "-p", #"{"spec":{"color":"green"}}"#]).status
                == 0)
        try fed.eventually(["--context", "crd-a", "get", "widget", "gear", "-o", "jsonpath={.spec.color}"]) { $0.output == "red" }
        #expect(try fed.kubectl(["delete", "widget", "gear", "--timeout=30s"]).status == 0)
        for member in ["crd-a", "crd-b"] {
            try fed.eventually(["--context", member, "get", "widgets", "-o", "name"]) { $0.status == 0 && $0.output.isEmpty }
        }
    }
}
