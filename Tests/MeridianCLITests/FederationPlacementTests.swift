import Foundation
import KubeAPI
import Testing

/// Placement policies end to end on three sandboxes (m1, m2 in region r1; m3 in r2):
/// weighted division, per-cluster overrides, hands-off copies, drift=report, spread by
/// region. Long: runs in the third pass of scripts/test.sh.
@Suite struct FederationPlacementTests {
    static let members: [(name: String, region: String)] = [("m1", "r1"), ("m2", "r1"), ("m3", "r2")]

    /// Weights 2:1 over m1 and m2 for Deployment web.
    static let weighted = """
        apiVersion: federation.meridian.dev/v1alpha1
        kind: PropagationPolicy
        metadata: {name: web, namespace: default}
        spec:
          resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]
          placement: {clusterNames: [m1, m2]}
          replicas:
            weights: [{cluster: m1, weight: 2}, {cluster: m2, weight: 1}]
        """

    static let webPolicy = weighted + """

        ---
        apiVersion: federation.meridian.dev/v1alpha1
        kind: OverridePolicy
        metadata: {name: web-m2, namespace: default}
        spec:
          resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]
          rules:
          - clusters: {names: [m2, m9]}
            image: {container: nginx, value: "nginx:1.28"}
        ---
        apiVersion: federation.meridian.dev/v1alpha1
        kind: PropagationPolicy
        metadata: {name: spread, namespace: default}
        spec:
          resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: spread}]
          placement:
            spread: {by: region, minGroups: 2}
            maxClusters: 2
        """

    static func replicas(_ fed: FederationFixture, _ member: String, _ name: String) throws -> String {
        try fed.kubectl(["--context", member, "get", "deployment", name, "-o", "jsonpath={.spec.replicas}/{.status.readyReplicas}"]).output
    }

    @Test func weightsOverridesHandsOffDriftReportAndSpread() throws {
        let fed = try FederationFixture(members: Self.members)
        try fed.joinAll()
        let applied = try fed.kubectl(["apply", "-f", "-"], input: Self.webPolicy)
        #expect(applied.status == 0, "\(applied.error)")
        #expect(try fed.kubectl(["create", "deployment", "web", "--image=nginx:1.27", "--replicas=6"]).status == 0)
        #expect(try fed.kubectl(["create", "deployment", "spread", "--image=nginx:1.27", "--replicas=4"]).status == 0)

        // Weights 2:1 over m1 and m2: 4 and 2, nothing on m3.
        try fed.eventually(["--context", "m1", "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}/{.status.readyReplicas}"]) {
            $0.output == "4/4"
        }
        try fed.eventually(["--context", "m2", "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}/{.status.readyReplicas}"]) {
            $0.output == "2/2"
        }
        #expect(try fed.kubectl(["--context", "m3", "get", "deployment", "web"]).status != 0)
        let scheduled = try fed.eventually(
            ["get", "events", "--field-selector", "reason=Scheduled,involvedObject.name=web", "-o", "jsonpath={.items[*].message}"]
        ) { !$0.output.isEmpty }
        #expect(scheduled.output == "PropagationPolicy default/web: m1 (4), m2 (2); excluded m3: weight 0")
        let record = try fed.kubectl([
            "get", "deployment", "web", "-o", "jsonpath={.metadata.annotations.federation\\.meridian\\.dev/placement}",
        ])
        #expect(
            record.output
                == #"{"clusters":[{"name":"m1","replicas":4,"state":"Scheduled"},{"name":"m2","replicas":2,"state":"Scheduled"}],"excluded":[{"name":"m3","reason":"weight 0"}],"policy":"PropagationPolicy default/web"}"#
        )
        // The image override reaches m2 only.
        #expect(
            try fed.kubectl(["--context", "m2", "get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"])
                .output
                == "nginx:1.28")
        #expect(
            try fed.kubectl(["--context", "m1", "get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"])
                .output
                == "nginx:1.27")
        // Rules the schema cannot express are checked too; unknown clusters are only reported.
        let invalid = try fed.kubectl(
            ["apply", "-f", "-"],
            input: """
                apiVersion: federation.meridian.dev/v1alpha1
                kind: PropagationPolicy
                metadata: {name: bad, namespace: default}
                spec:
                  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
                  replicas: {minPerCluster: 4, maxPerCluster: 2}
                """)
        #expect(invalid.status != 0)
        #expect(
            invalid.error
                == "The PropagationPolicy \"bad\" is invalid: spec.replicas.maxPerCluster: Invalid value: 2: must be at least minPerCluster (4)\n")
        try fed.eventually(["get", "overridepolicy", "web-m2", "-o", "jsonpath={.status.unknownClusters}"]) { $0.output == #"["m9"]"# }
        // The policies' status lists what they govern.
        try fed.eventually([
            "get", "propagationpolicy", "web", "-o", "jsonpath={.status.matched[0].name}:{.status.matched[0].clusters[*].replicas}",
        ]) {
            $0.output == "web:4 2"
        }

        // Spread by region: one cluster of each region.
        for (member, want) in [("m1", "2/2"), ("m3", "2/2")] {
            try fed.eventually([
                "--context", member, "get", "deployment", "spread", "-o", "jsonpath={.spec.replicas}/{.status.readyReplicas}",
            ]) {
                $0.output == want
            }
        }
        #expect(try fed.kubectl(["--context", "m2", "get", "deployment", "spread"]).status != 0)

        // Hands-off on m1's copy: a manual scale stays until the annotation goes.
        #expect(
            try fed.kubectl(["--context", "m1", "annotate", "deployment", "web", "federation.meridian.dev/hands-off=true"]).status == 0)
        try fed.eventually(["get", "deployment", "web", "-o", "jsonpath={.metadata.annotations.federation\\.meridian\\.dev/placement}"]) {
            $0.output.contains(
                #"{"message":"federation.meridian.dev/hands-off=true on the member copy: not reconciled","name":"m1","replicas":4,"state":"HandsOff"}"#
            )
        }
        #expect(try fed.kubectl(["--context", "m1", "scale", "deployment", "web", "--replicas=7"]).status == 0)
        // The federated status sums 7 + 2 once a pass has seen the scaled copy and kept it.
        try fed.eventually(["get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}"]) { $0.output == "9" }
        #expect(try Self.replicas(fed, "m1", "web") == "7/7")
        #expect(try fed.kubectl(["--context", "m1", "annotate", "deployment", "web", "federation.meridian.dev/hands-off-"]).status == 0)
        try fed.eventually(["--context", "m1", "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"]) { $0.output == "4" }

        // drift=report: a member's env change stays and is recorded.
        #expect(try fed.kubectl(["annotate", "deployment", "web", "federation.meridian.dev/drift=report"]).status == 0)
        #expect(try fed.kubectl(["--context", "m1", "set", "env", "deployment/web", "MODE=debug"]).status == 0)
        let drift = try fed.eventually(
            ["get", "events", "--field-selector", "reason=DriftDetected", "-o", "jsonpath={.items[*].message}"]
        ) { !$0.output.isEmpty }
        #expect(drift.output == "cluster m1: spec.template.spec.containers[nginx].env changed in the member; kept (drift=report)")
        try fed.eventually(["get", "deployment", "web", "-o", "jsonpath={.metadata.annotations.federation\\.meridian\\.dev/placement}"]) {
            $0.output.contains(#"{"drift":["spec.template.spec.containers[nginx].env"],"name":"m1","replicas":4,"state":"Drifted"}"#)
        }
        #expect(
            try fed.kubectl([
                "--context", "m1", "get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].env[0].value}",
            ])
            .output == "debug")
        // The only revert was the hands-off scale; the federation's own changes are no drift.
        #expect(
            try fed.kubectl(["get", "events", "--field-selector", "reason=DriftReverted", "-o", "jsonpath={.items[*].message}"]).output
                == "cluster m1: spec.replicas changed in the member; reverted")
    }
}

/// Failover of a Divided workload when a member dies and returns (Rebalance), with the
/// members' ready replicas polled throughout. Long: runs in the third pass of scripts/test.sh.
@Suite struct FederationFailoverTests {
    static func ready(_ fed: FederationFixture, _ member: String) -> (spec: Int, ready: Int)? {
        guard
            let r = try? fed.kubectl([
                "--context", member, "--request-timeout=2s", "get", "deployment", "web", "-o",
                "jsonpath={.spec.replicas}/{.status.readyReplicas}",
            ]), r.status == 0
        else { return nil }
        let parts = r.output.split(separator: "/", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }

    @Test func offlineMemberReplicasMoveAndComeBackWithoutADip() throws {
        let fed = try FederationFixture(members: FederationPlacementTests.members)
        try fed.joinAll()
        let policy = FederationPlacementTests.weighted + "\n  failover: {clusterOfflineSeconds: 5, returnPolicy: Rebalance}\n"
        #expect(try fed.kubectl(["apply", "-f", "-"], input: policy).status == 0)
        #expect(try fed.kubectl(["create", "deployment", "web", "--image=nginx", "--replicas=6"]).status == 0)
        for (member, want) in [("m1", "4/4"), ("m2", "2/2")] {
            try fed.eventually(["--context", member, "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}/{.status.readyReplicas}"])
            {
                $0.output == want
            }
        }

        // kill -9 of m2: after 5 s Offline its 2 replicas move to m1 (m3 has no weight).
        let killed = ContinuousClock.now
        fed.members["m2"]!.kill()
        try fed.eventually(
            ["--context", "m1", "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}/{.status.readyReplicas}"],
            timeout: .seconds(40)
        ) { $0.output == "6/6" }
        #expect(ContinuousClock.now - killed < .seconds(40))
        let started = try fed.eventually(
            ["get", "events", "--field-selector", "reason=FailoverStarted", "-o", "jsonpath={.items[*].message}"]
        ) { !$0.output.isEmpty }
        #expect(
            started.output
                == "cluster m2 has been Offline for 5s (clusterOfflineSeconds): its replicas move to m1 (6); nothing is deleted there while it is unreachable"
        )
        #expect(try fed.kubectl(["--context", "m3", "get", "deployment", "web"]).status != 0)

        // m2 returns: Rebalance back to 4/2, never fewer than 6 ready on the way.
        try fed.restart("m2")
        let deadline = ContinuousClock.now + .seconds(60)
        var lowest = Int.max
        var samples = 0
        while true {
            let m1 = Self.ready(fed, "m1")
            let m2 = Self.ready(fed, "m2")
            lowest = min(lowest, (m1?.ready ?? 0) + (m2?.ready ?? 0))
            samples += 1
            if let m1, let m2, m1 == (4, 4), m2 == (2, 2) { break }
            guard ContinuousClock.now < deadline else {
                Issue.record("no 4/2 after m2 returned: m1 \(String(describing: m1)), m2 \(String(describing: m2))")
                break
            }
        }
        #expect(lowest >= 6, "ready replicas dipped to \(lowest) over \(samples) samples")
        let rebalance = try fed.eventually(
            ["get", "events", "--field-selector", "reason=FailoverRebalance", "-o", "jsonpath={.items[*].message}"]
        ) { !$0.output.isEmpty }
        #expect(
            rebalance.output
                == "cluster m2 is Ready again (returnPolicy Rebalance): its replicas come back; the others scale down once they are ready")
    }
}
