import Foundation
import Testing

/// Health is the data plane's: a member whose API the control plane cannot reach keeps its
/// records while its load balancer answers, also across a restart of the control plane
/// (its ingress is persisted on the federated Service), and still loses them when the
/// load balancer stops answering.
@Suite(.serialized) struct ServiceDNSResilienceTests {
    @Test func aMemberWithoutItsAPIKeepsItsRecordsAcrossAControlPlaneRestart() throws {
        let fed = try FederationFixture(members: [("cut-a", "east"), ("cut-b", "west")])
        // cut-a joins through a forwarder in front of its API port: killing the forwarder
        // cuts only the API; its load balancer keeps answering.
        let forwarder = try TCPForwarder(to: try fed.apiPort("cut-a"))
        defer { forwarder.kill() }
        let direct = try String(contentsOf: fed.members["cut-a"]!.kubeconfig, encoding: .utf8)
        let forwarded = fed.root.appendingPathComponent("cut-a-forwarded.kubeconfig")
        try direct.replacing(/server: https:\/\/127\.0\.0\.1:\d+/, with: "server: https://127.0.0.1:\(forwarder.port)")
            .write(to: forwarded, atomically: true, encoding: .utf8)
        let joinConfig = [fed.control.kubeconfig.path, forwarded.path, fed.members["cut-b"]!.kubeconfig.path].joined(separator: ":")
        for name in ["cut-a", "cut-b"] {
            let join = try run(
                Paths.meridian.path, ["join", name, "--host-cluster-context=cut-b", "--cluster-context=\(name)"],
                environment: ["KUBECONFIG": joinConfig])
            #expect(join.status == 0, "join \(name): \(join.error)")
        }
        try fed.eventually(["get", "clusters", "-o", "jsonpath={.items[*].status.state}"]) { $0.output == "Ready Ready" }
        var ip: [String: String] = [:]
        for (i, member) in ["cut-a", "cut-b"].enumerated() {
            ip[member] = try fed.members[member]!.readyWebPod(cluster: member, podIP: "10.7.\(i).11")
        }
        #expect(try fed.kubectl(["apply", "-f", "-"], input: ServiceDNSTests.service).status == 0)
        let global = "web.default.\(fed.federationName).svc.\(ServiceDNSTests.zone)."
        let east = "web.default.\(fed.federationName).svc.east.\(ServiceDNSTests.zone)."
        let both: Set<String> = [ip["cut-a"]!, ip["cut-b"]!]
        var port = try DigClient.port(of: fed.control)
        let first = try DigClient.eventually(port: port, global, timeout: .seconds(60)) { $0.addresses == both }
        #expect(first.answer.addresses == both)
        // The member ingress is persisted per cluster on the federated Service.
        let persisted = try fed.eventually(
            ["get", "service", "web", "-o", #"jsonpath={.metadata.annotations.federation\.meridian\.dev/member-ingress}"#]
        ) { $0.output.contains("cut-a") && $0.output.contains("cut-b") }
        #expect(
            persisted.output == #"{"cut-a":[{"ip":"\#(ip["cut-a"]!)","ipMode":"VIP"}],"cut-b":[{"ip":"\#(ip["cut-b"]!)","ipMode":"VIP"}]}"#)

        // Only cut-a's API goes: Offline, and its address stays in every name.
        forwarder.kill()
        try fed.eventually(["get", "cluster", "cut-a", "-o", "jsonpath={.status.state}"]) { $0.output == "Offline" }
        #expect(HTTPProbe.eventually(ip["cut-a"]!, 8080) { $0.body != nil }.body != nil)
        var answers: [DigClient.Answer] = []
        _ = try DigClient.eventually(port: port, global, timeout: .seconds(3), every: { answers.append($0) }) { _ in false }
        #expect(
            Set(answers.map(\.addresses)) == [both], "answers while cut-a's API was unreachable: \(answers.filter { $0.addresses != both })"
        )
        #expect(try DigClient.query(port: port, east).records == ["\(east) A \(ip["cut-a"]!)"])

        // The control plane restarts while cut-a's API is still unreachable: its records
        // come back from the persisted ingress.
        try fed.restartControl()
        port = try DigClient.port(of: fed.control)
        let afterRestart = try DigClient.eventually(port: port, global, timeout: .seconds(30)) { $0.addresses == both }
        #expect(afterRestart.answer.addresses == both)
        #expect(try DigClient.query(port: port, east).records == ["\(east) A \(ip["cut-a"]!)"])
        try fed.eventually(["get", "cluster", "cut-a", "-o", "jsonpath={.status.state}"]) { $0.output == "Offline" }
        #expect(
            try fed.kubectl(["get", "service", "web", "-o", #"jsonpath={.metadata.annotations.federation\.meridian\.dev/member-ingress}"#])
                .output == persisted.output)

        // A dead endpoint goes whatever the API says: cut-a's pod stops (set through its
        // own API, which only the control plane cannot reach).
        try fed.members["cut-a"]!.setPodStatus("web-1", ip: "10.7.0.11", ready: false)
        let onlyB: Set<String> = [ip["cut-b"]!]
        let withdrawn = try DigClient.eventually(port: port, global, timeout: .seconds(5)) { $0.addresses == onlyB }
        #expect(withdrawn.answer.addresses == onlyB, "after \(withdrawn.elapsed)")
        let fallback = try DigClient.query(port: port, east)
        #expect(fallback.records.first == "\(east) CNAME \(global)")
    }
}
