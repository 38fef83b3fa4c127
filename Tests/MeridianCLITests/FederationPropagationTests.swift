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
}
