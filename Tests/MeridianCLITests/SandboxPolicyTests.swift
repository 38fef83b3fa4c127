import Foundation
import KubeAPI
import Testing

/// LimitRange defaults and ResourceQuota enforcement at admission, quota usage in status,
/// PodDisruptionBudget status and evictions that respect it.
@Suite struct SandboxPolicyTests {
    static let policies = """
        apiVersion: v1
        kind: LimitRange
        metadata: {name: defaults}
        spec:
          limits:
          - type: Container
            default: {cpu: 500m, memory: 256Mi}
            defaultRequest: {cpu: 100m}
            max: {cpu: "1"}
        ---
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: compute}
        spec:
          hard: {pods: "2", requests.cpu: "1", configmaps: "10"}
        """

    @Test func limitRangesDefaultAndBoundQuotasLimitAndReportUsage() throws {
        let sandbox = try MeridianProcess.sandbox(name: "quota")
        try sandbox.kubectl(["create", "namespace", "team"])
        #expect(try sandbox.kubectl(["apply", "-n", "team", "-f", "-"], input: Self.policies).status == 0)
        #expect(try sandbox.kubectl(["run", "a", "-n", "team", "--image=nginx"]).status == 0)
        let resources = try sandbox.kubectl(["get", "pod", "a", "-n", "team", "-o", "jsonpath={.spec.containers[0].resources}"])
        #expect(
            try JSONParser.parse(Array(resources.output.utf8))
                == ["limits": ["cpu": "500m", "memory": "256Mi"], "requests": ["cpu": "100m", "memory": "256Mi"]])
        let annotation = try sandbox.kubectl([
            "get", "pod", "a", "-n", "team", "-o", "jsonpath={.metadata.annotations.kubernetes\\.io/limit-ranger}",
        ])
        #expect(annotation.output == "LimitRanger plugin set: cpu, memory request for container a; cpu, memory limit for container a")

        let tooBig = try sandbox.kubectl([
            "run", "big", "-n", "team", "--image=nginx",
            "--overrides={\"spec\":{\"containers\":[{\"name\":\"big\",\"image\":\"nginx\",\"resources\":{\"limits\":{\"cpu\":\"2\"}}}]}}",
        ])
        #expect(tooBig.status != 0)
        #expect(
            tooBig.error
                == "Error from server (Forbidden): pods \"big\" is forbidden: maximum cpu usage per Container is 1, but limit is 2\n")

        #expect(try sandbox.kubectl(["run", "b", "-n", "team", "--image=nginx"]).status == 0)
        let third = try sandbox.kubectl(["run", "c", "-n", "team", "--image=nginx"])
        #expect(
            third.error
                == "Error from server (Forbidden): pods \"c\" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2\n"
        )
        let used = try sandbox.kubectlEventually(["get", "resourcequota", "compute", "-n", "team", "-o", "jsonpath={.status.used}"]) {
            $0.output.contains("\"pods\":\"2\"") && $0.output.contains("\"configmaps\":\"1\"")
        }
        // kube-root-ca.crt is the one ConfigMap.
        #expect(try JSONParser.parse(Array(used.output.utf8)) == ["pods": "2", "requests.cpu": "200m", "configmaps": "1"])
    }

    @Test func disruptionBudgetsReportStatusAndBlockEvictions() throws {
        // Pods take 3 s to start, so the evicted pod's replacement is not ready before the second eviction.
        let sandbox = try MeridianProcess.sandbox(name: "pdb", extra: ["--pod-start-delay-ms", "3000"])
        try sandbox.kubectl(["create", "deployment", "web", "--image=nginx", "--replicas=2"])
        #expect(try sandbox.kubectl(["rollout", "status", "deployment/web", "--timeout=60s"]).status == 0)
        try sandbox.kubectl(["create", "poddisruptionbudget", "web", "--selector=app=web", "--min-available=1"])
        let status = try sandbox.kubectlEventually(
            [
                "get", "pdb", "web", "-o",
                "jsonpath={.status.expectedPods} {.status.currentHealthy} {.status.desiredHealthy} {.status.disruptionsAllowed}",
            ]
        ) { $0.output == "2 2 1 1" }
        #expect(status.output == "2 2 1 1")
        let pods = try sandbox.kubectl(["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}"]).output.split(
            separator: " ")
        #expect(pods.count == 2)
        func evict(_ pod: Substring) throws -> CommandResult {
            let body = "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"\(pod)\",\"namespace\":\"default\"}}"
            return try sandbox.kubectl(["create", "--raw", "/api/v1/namespaces/default/pods/\(pod)/eviction", "-f", "-"], input: body)
        }
        #expect(try evict(pods[0]).status == 0)
        // The budget is used up until the replacement is ready.
        let blocked = try evict(pods[1])
        #expect(blocked.status != 0)
        #expect(blocked.error.contains("Cannot evict pod as it would violate the pod's disruption budget"), "\(blocked.error)")
        try sandbox.kubectlEventually(["get", "pdb", "web", "-o", "jsonpath={.status.currentHealthy} {.status.disruptionsAllowed}"]) {
            $0.output == "2 1"
        }
        #expect(try evict(pods[1]).status == 0)
    }
}
