import Foundation
import StoreTesting
import Testing

/// Two `meridian serve` replicas on one etcd: both probe every endpoint, publish their view
/// as a Lease and serve the same zone; an endpoint leaves DNS only when a majority of the
/// fresh reports says it is down, so one prober alone cannot withdraw it.
@Suite(.serialized, .enabled(if: EtcdCluster.binary != nil, "etcd is not installed (apt-get install etcd-server)"))
struct ServiceDNSAgreementTests {
    static let members = ["agree-a", "agree-b"]

    @Test func withdrawalNeedsAMajorityOfTheProbers() throws {
        let etcd = try EtcdCluster()
        defer { etcd.stopAll() }
        let root = try Paths.temporaryDirectory("dns-agreement")
        let first = try ControlPlaneFailoverTests.serve(etcd, root: root, name: "cp-a", pki: nil)
        let second = try ControlPlaneFailoverTests.serve(
            etcd, root: root, name: "cp-b", pki: first.dataDir.appendingPathComponent("pki").path)
        var sandboxes: [String: MeridianProcess] = [:]
        defer {
            first.kill()
            second.kill()
            for sandbox in sandboxes.values { sandbox.kill() }
        }
        for name in Self.members {
            sandboxes[name] = try MeridianProcess.sandbox(name: name, extra: ["--region", "east", "--nodes", "1"])
        }
        let kubeconfig = ([first.kubeconfig.path] + Self.members.map { sandboxes[$0]!.kubeconfig.path }).joined(separator: ":")
        @discardableResult
        func kubectl(_ args: [String], input: String? = nil) throws -> CommandResult {
            try run(try Paths.kubectl(nil), ["--context", "meridian"] + args, environment: ["KUBECONFIG": kubeconfig], input: input)
        }
        func eventually(_ args: [String], _ accept: (CommandResult) -> Bool) throws -> CommandResult {
            try kubectlEventually(kubeconfig: kubeconfig, ["--context", "meridian"] + args, accept)
        }
        for name in Self.members {
            let join = try run(
                Paths.meridian.path,
                ["join", name, "--host-cluster-context=\(name)", "--cluster-context=\(name)", "--federation=meridian"],
                environment: ["KUBECONFIG": kubeconfig])
            #expect(join.status == 0, "join \(name): \(join.error)")
        }
        _ = try eventually(["get", "clusters", "-o", "jsonpath={.items[*].status.state}"]) { $0.output == "Ready Ready" }
        _ = try eventually(["get", "lease", "-n", "federation-system", "meridian-controllers", "-o", "name"]) { $0.status == 0 }
        let leaders = [first, second].filter { $0.log.contains("became the leader") }
        #expect(leaders.count == 1)
        let leader = try #require(leaders.first)
        let follower = leader === first ? second : first

        var ip: [String: String] = [:]
        for (i, name) in Self.members.enumerated() {
            ip[name] = try sandboxes[name]!.readyWebPod(cluster: name, podIP: "10.8.\(i).11")
        }
        #expect(try kubectl(["apply", "-f", "-"], input: ServiceDNSTests.service).status == 0)

        // Both replicas serve the same names: the follower learns the members' ingress from
        // the federated Service's annotation, not from member watches.
        let global = "web.default.meridian.svc.\(ServiceDNSTests.zone)."
        let both: Set<String> = [ip["agree-a"]!, ip["agree-b"]!]
        let ports = (leader: try DigClient.port(of: leader), follower: try DigClient.port(of: follower))
        for port in [ports.leader, ports.follower] {
            let answer = try DigClient.eventually(port: port, global, timeout: .seconds(60)) { $0.addresses == both }
            #expect(answer.answer.addresses == both)
        }
        // Each replica reports: two endpoints probed, none down.
        let reports = try eventually([
            "get", "leases", "-n", "federation-system", "-l", "federation.meridian.dev/dns-prober=true", "-o",
            #"jsonpath={range .items[*]}{.metadata.annotations.federation\.meridian\.dev/probe-report}{"\n"}{end}"#,
        ]) { $0.output.split(separator: "\n").count == 2 && $0.output.split(separator: "\n").allSatisfy { $0.contains(#""probing":2"#) } }
        #expect(reports.output == #"{"probing":2,"unhealthy":[]}"# + "\n" + #"{"probing":2,"unhealthy":[]}"# + "\n")

        // A third prober alone says agree-b's endpoint is down: disputed, kept.
        let target = "\(ip["agree-b"]!):8080 tcp"
        func fakeReport(_ renew: Int) -> String {
            """
            {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
             "metadata": {"name": "meridian-dns-prober-fake", "namespace": "federation-system",
                          "labels": {"federation.meridian.dev/dns-prober": "true"},
                          "annotations": {"federation.meridian.dev/probe-report": "{\\"probing\\":2,\\"unhealthy\\":[\\"\(target)\\"]}"}},
             "spec": {"holderIdentity": "fake-prober", "leaseDurationSeconds": 4,
                      "renewTime": "2030-01-01T00:00:\(String(format: "%02d", renew % 60)).000000Z"}}
            """
        }
        var renewals = 0
        let disputed = try eventually([
            "get", "events", "--field-selector", "reason=EndpointDisputed", "-o", "jsonpath={.items[*].message}",
        ]) {
            result in
            renewals += 1
            _ = try? kubectl(["apply", "-f", "-"], input: fakeReport(renewals))
            return !result.output.isEmpty
        }
        #expect(
            disputed.output
                == "endpoint \(ip["agree-b"]!):8080 in cluster agree-b fails the probes of fake-prober only (1 of 3 probers); kept in DNS until a majority agrees"
        )
        #expect(try DigClient.query(port: ports.leader, global).addresses == both)
        let metrics = try leader.kubectl(["get", "--raw", "/metrics"]).output
        #expect(metrics.contains("meridian_dns_endpoints_disputed 1"))
        #expect(metrics.contains(#"meridian_dns_prober_counted{prober="fake-prober"} 1"#))

        // The fake prober goes away; the two real ones both see agree-b's pod stop: withdrawn
        // everywhere, and the Event says both agreed.
        #expect(try kubectl(["delete", "lease", "-n", "federation-system", "meridian-dns-prober-fake"]).status == 0)
        _ = try kubectlEventually(kubeconfig: leader.kubeconfig.path, ["get", "--raw", "/metrics"]) {
            $0.output.contains(#"meridian_dns_probers{state="counted"} 2"#)
        }
        try sandboxes["agree-b"]!.setPodStatus("web-1", ip: "10.8.1.11", ready: false)
        let onlyA: Set<String> = [ip["agree-a"]!]
        for port in [ports.leader, ports.follower] {
            let answer = try DigClient.eventually(port: port, global, timeout: .seconds(10)) { $0.addresses == onlyA }
            #expect(answer.answer.addresses == onlyA, "after \(answer.elapsed)")
        }
        let withdrawn = try eventually([
            "get", "events", "--field-selector", "reason=EndpointWithdrawn", "-o", "jsonpath={.items[*].message}",
        ]) {
            !$0.output.isEmpty
        }
        #expect(
            withdrawn.output
                == "endpoint \(ip["agree-b"]!):8080 in cluster agree-b failed 2 probes in a row (connection refused); withdrawn from DNS; 2 of 2 probers agree"
        )
    }
}
