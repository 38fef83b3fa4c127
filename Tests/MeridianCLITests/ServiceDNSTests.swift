import Foundation
import Testing

/// The built-in DNS of `meridian serve` with separate sandbox member processes, asked with
/// the real dig: kubefed's names follow endpoint health within seconds, a dead member's
/// address leaves, and no name is ever answered empty while an endpoint is healthy.
@Suite(.serialized) struct ServiceDNSTests {
    static let zone = "meridian.local"
    static let service = """
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
         "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"name": "http", "port": 8080, "targetPort": "http"}]}}
        """

    func name(_ fed: FederationFixture, _ suffix: String = "") -> String {
        "web.default.\(fed.federationName).svc.\(suffix)\(Self.zone)."
    }

    @Test func namesFollowEndpointHealthAndADeadMemberLeaves() throws {
        let fed = try FederationFixture(members: [("dns-a", "east"), ("dns-b", "east"), ("dns-c", "west")])
        try fed.joinAll()
        let port = try DigClient.port(of: fed.control)
        var ip: [String: String] = [:]
        for (i, member) in ["dns-a", "dns-b", "dns-c"].enumerated() {
            let sandbox = try #require(fed.members[member])
            try sandbox.createPod("web-1")
            try sandbox.setPodStatus("web-1", ip: "10.9.\(i).11", ready: true)
            ip[member] = LoadBalancerAnswer.prefix(member) + ".2"
        }
        #expect(try fed.kubectl(["apply", "-f", "-"], input: Self.service).status == 0)

        // Every level answers with the healthy addresses.
        let global = name(fed)
        let all: Set<String> = [ip["dns-a"]!, ip["dns-b"]!, ip["dns-c"]!]
        let first = try DigClient.eventually(port: port, global, timeout: .seconds(60)) { $0.addresses == all }
        #expect(first.answer.status == "NOERROR")
        #expect(first.answer.addresses == all)
        let east = try DigClient.query(port: port, name(fed, "east."))
        #expect(east.records.sorted() == ["\(name(fed, "east.")) A \(ip["dns-a"]!)", "\(name(fed, "east.")) A \(ip["dns-b"]!)"].sorted())
        let westA = try DigClient.query(port: port, name(fed, "west-a.west."))
        #expect(westA.records == ["\(name(fed, "west-a.west.")) A \(ip["dns-c"]!)"])
        let missing = try DigClient.query(port: port, "nope.default.\(fed.federationName).svc.\(Self.zone).")
        #expect(missing.status == "NXDOMAIN")

        // The only pod of dns-c stops being ready: its load balancer closes, its address
        // leaves within 3 s, the west names fall back to the global name.
        var empties: [DigClient.Answer] = []
        let noteEmpty: (DigClient.Answer) -> Void = { if $0.addresses.isEmpty { empties.append($0) } }
        try fed.members["dns-c"]!.setPodStatus("web-1", ip: "10.9.2.11", ready: false)
        #expect(HTTPProbe.eventually(ip["dns-c"]!, 8080) { $0 == .refused } == .refused)
        let eastOnly: Set<String> = [ip["dns-a"]!, ip["dns-b"]!]
        let withdrawn = try DigClient.eventually(port: port, global, timeout: .seconds(3), every: noteEmpty) { $0.addresses == eastOnly }
        #expect(withdrawn.answer.addresses == eastOnly, "after \(withdrawn.elapsed)")
        let west = try DigClient.query(port: port, name(fed, "west."))
        #expect(west.records.first == "\(name(fed, "west.")) CNAME \(global)")
        #expect(west.addresses == eastOnly)
        let events = try fed.eventually(
            ["get", "events", "--field-selector", "reason=EndpointWithdrawn", "-o", "jsonpath={.items[*].message}"]
        ) { !$0.output.isEmpty }
        #expect(events.output.hasPrefix("endpoint \(ip["dns-c"]!):8080 in cluster dns-c failed 2 probes in a row (connection refused)"))

        // Ready again: back within 3 s of the load balancer answering.
        try fed.members["dns-c"]!.setPodStatus("web-1", ip: "10.9.2.11", ready: true)
        #expect(HTTPProbe.eventually(ip["dns-c"]!, 8080) { $0.body != nil }.body != nil)
        let restored = try DigClient.eventually(port: port, global, timeout: .seconds(3), every: noteEmpty) { $0.addresses == all }
        #expect(restored.answer.addresses == all, "after \(restored.elapsed)")
        try fed.eventually(["get", "events", "--field-selector", "reason=EndpointRestored", "-o", "name"]) { !$0.output.isEmpty }

        // kill -9 of a whole member (API and load balancer): its address leaves within 3 s.
        fed.members["dns-b"]!.kill()
        let survivors: Set<String> = [ip["dns-a"]!, ip["dns-c"]!]
        let gone = try DigClient.eventually(port: port, global, timeout: .seconds(3), every: noteEmpty) { $0.addresses == survivors }
        #expect(gone.answer.addresses == survivors, "after \(gone.elapsed)")
        let eastAfter = try DigClient.query(port: port, name(fed, "east."))
        #expect(eastAfter.records == ["\(name(fed, "east.")) A \(ip["dns-a"]!)"])
        #expect(empties == [], "answers without addresses while endpoints were healthy")

        // Probe state is in /metrics.
        let metrics = try fed.kubectl(["get", "--raw", "/metrics"]).output
        #expect(metrics.contains("meridian_dns_endpoints{state=\"withdrawn\"} 1"))
        #expect(metrics.contains("meridian_dns_probes_total{result=\"failure\"}"))
    }

    /// A federated Ingress with `federation.meridian.dev/ingress-dns: "true"` gets the same
    /// names from its members' `status.loadBalancer.ingress` (written here through the
    /// status subresource: the sandbox has no ingress controller), probed and withdrawn
    /// like a Service's.
    @Test func anOptedInIngressGetsNamesFromItsMembersStatus() throws {
        let fed = try FederationFixture(members: [("ing-a", "east"), ("ing-b", "west")])
        try fed.joinAll()
        let port = try DigClient.port(of: fed.control)
        var ip: [String: String] = [:]
        for (i, member) in ["ing-a", "ing-b"].enumerated() {
            ip[member] = try fed.members[member]!.readyWebPod(cluster: member, podIP: "10.6.\(i).11")
        }
        #expect(try fed.kubectl(["apply", "-f", "-"], input: Self.service).status == 0)
        let ingress = """
            {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
             "metadata": {"name": "shop", "namespace": "default",
                          "annotations": {"federation.meridian.dev/ingress-dns": "true", "federation.meridian.dev/health-check-port": "8080"}},
             "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 8080}}}}}
            """
        #expect(try fed.kubectl(["apply", "-f", "-"], input: ingress).status == 0)
        // Each member's copy gets its address (the Service's load balancer answers on 8080).
        for member in ["ing-a", "ing-b"] {
            let status = #"{"status": {"loadBalancer": {"ingress": [{"ip": "\#(ip[member]!)"}]}}}"#
            try kubectlEventually(
                kubeconfig: fed.kubeconfig,
                ["--context", member, "patch", "ingress", "shop", "--subresource=status", "--type=merge", "-p", status]
            ) { $0.status == 0 }
        }
        let global = "shop.default.\(fed.federationName).svc.\(Self.zone)."
        let west = "shop.default.\(fed.federationName).svc.west.\(Self.zone)."
        let both: Set<String> = [ip["ing-a"]!, ip["ing-b"]!]
        let first = try DigClient.eventually(port: port, global, timeout: .seconds(30)) { $0.addresses == both }
        #expect(first.answer.addresses == both)
        #expect(try DigClient.query(port: port, west).records == ["\(west) A \(ip["ing-b"]!)"])

        // ing-b's backend stops: its address leaves the Ingress's names too.
        try fed.members["ing-b"]!.setPodStatus("web-1", ip: "10.6.1.11", ready: false)
        let onlyA: Set<String> = [ip["ing-a"]!]
        let withdrawn = try DigClient.eventually(port: port, global, timeout: .seconds(5)) { $0.addresses == onlyA }
        #expect(withdrawn.answer.addresses == onlyA, "after \(withdrawn.elapsed)")
        #expect(try DigClient.query(port: port, west).records.first == "\(west) CNAME \(global)")
        // The endpoint serves both objects: each gets the Event.
        let kinds = try fed.eventually(
            ["get", "events", "--field-selector", "reason=EndpointWithdrawn", "-o", "jsonpath={.items[*].involvedObject.kind}"]
        ) { $0.output.split(separator: " ").count == 2 }
        #expect(kinds.output.split(separator: " ").sorted() == ["Ingress", "Service"])
    }
}
