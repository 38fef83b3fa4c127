import Foundation
import KubeAPI
import Testing

/// LoadBalancer Services of `meridian sandbox`: an ingress IP of the sandbox's loopback
/// /24 and a real HTTP listener there while ready pods back the Service. Serialized: each
/// test runs a whole sandbox, and the machine runs the other suites meanwhile.
@Suite(.serialized) struct SandboxLoadBalancerTests {
    func json(_ result: CommandResult) throws -> JSONValue {
        #expect(result.status == 0, "kubectl failed: \(result.error)")
        return try JSONParser.parse(Array(result.output.utf8))
    }

    func loadBalancer(_ sandbox: MeridianProcess, _ name: String, app: String = "web") throws {
        try sandbox.applyJSON(
            """
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "\(name)"},
             "spec": {"type": "LoadBalancer", "selector": {"app": "\(app)"}, "ports": [{"name": "http", "port": 8080, "targetPort": "http"}]}}
            """)
    }

    /// Waits for the Service's status ingress and returns it.
    func ingress(_ sandbox: MeridianProcess, _ service: String) throws -> JSONValue {
        let result = try sandbox.kubectlEventually(["get", "service", service, "-o", "jsonpath={.status.loadBalancer.ingress}"]) {
            $0.status == 0 && !$0.output.isEmpty
        }
        return try JSONParser.parse(Array(result.output.utf8))
    }

    /// The events of one object in the order they were created (resourceVersion: these
    /// are never bumped, and timestamps have only seconds), as `type reason: message`.
    func events(_ sandbox: MeridianProcess, of name: String) throws -> [String] {
        let list = try json(sandbox.kubectl(["get", "events", "-o", "json"]))["items"].arrayValue ?? []
        return list.filter { $0["involvedObject"]["name"].stringValue == name }
            .sorted {
                Int($0["metadata"]["resourceVersion"].stringValue ?? "") ?? 0 < Int($1["metadata"]["resourceVersion"].stringValue ?? "")
                    ?? 0
            }
            .map { "\($0["type"].stringValue ?? "") \($0["reason"].stringValue ?? ""): \($0["message"].stringValue ?? "")" }
    }

    @Test func aLoadBalancerAnswersWhileReadyPodsBackIt() throws {
        let cluster = "svc-lb"
        let sandbox = try MeridianProcess.sandbox(name: cluster)
        let ip = LoadBalancerAnswer.prefix(cluster) + ".2"
        try sandbox.createPod("web-a")
        try sandbox.createPod("web-b")
        try sandbox.setPodStatus("web-a", ip: "10.9.1.11", ready: true)
        try sandbox.setPodStatus("web-b", ip: "10.9.1.12", ready: true)
        try loadBalancer(sandbox, "web")

        #expect(try ingress(sandbox, "web") == [["ip": .string(ip), "ipMode": "VIP"]])
        #expect(
            LoadBalancerAnswer.eventuallyFrom(["web-a", "web-b"], ip, 8080, cluster: cluster, service: "web") == [
                .answered(status: 200, body: LoadBalancerAnswer.body(cluster, "web", "web-a")),
                .answered(status: 200, body: LoadBalancerAnswer.body(cluster, "web", "web-b")),
            ])
        let service = try json(sandbox.kubectl(["get", "service", "web", "-o", "json"]))
        #expect(service["metadata"]["finalizers"] == ["service.kubernetes.io/load-balancer-cleanup"])
        #expect(service["spec"]["ports"][0]["nodePort"].intValue != nil)
        #expect(
            try events(sandbox, of: "web") == [
                "Normal EnsuringLoadBalancer: Ensuring load balancer", "Normal EnsuredLoadBalancer: Ensured load balancer",
            ])

        // One pod not ready: only the other answers. None ready: the connection is refused.
        try sandbox.setPodStatus("web-a", ip: "10.9.1.11", ready: false)
        let onlyB = LoadBalancerAnswer.eventuallyOnly("web-b", ip, 8080, cluster: cluster, service: "web")
        #expect(onlyB == Array(repeating: .answered(status: 200, body: LoadBalancerAnswer.body(cluster, "web", "web-b")), count: 3))
        try sandbox.setPodStatus("web-b", ip: "10.9.1.12", ready: false)
        #expect(HTTPProbe.eventually(ip, 8080) { $0 == .refused } == .refused)

        // Ready again: the listener comes back, on the same IP.
        try sandbox.setPodStatus("web-a", ip: "10.9.1.11", ready: true)
        let back = HTTPProbe.eventually(ip, 8080) { $0.body != nil }
        #expect(back == .answered(status: 200, body: LoadBalancerAnswer.body(cluster, "web", "web-a")))

        // The last ready pod deleted: refused again.
        try sandbox.forceDeletePod("web-a")
        #expect(HTTPProbe.eventually(ip, 8080) { $0 == .refused } == .refused)

        // The Service deleted: its IP goes to the next LoadBalancer Service.
        try sandbox.setPodStatus("web-b", ip: "10.9.1.12", ready: true)
        #expect(HTTPProbe.eventually(ip, 8080) { $0.body != nil }.body == LoadBalancerAnswer.body(cluster, "web", "web-b"))
        let deleted = try sandbox.kubectl(["delete", "service", "web", "--timeout=30s"])
        #expect(deleted.status == 0, "\(deleted.error)")
        #expect(HTTPProbe.eventually(ip, 8080) { $0 == .refused } == .refused)
        try loadBalancer(sandbox, "web2")
        #expect(try ingress(sandbox, "web2") == [["ip": .string(ip), "ipMode": "VIP"]])
        let events = try events(sandbox, of: "web")
        #expect(
            events.suffix(2) == [
                "Normal DeletingLoadBalancer: Deleting load balancer", "Normal DeletedLoadBalancer: Deleted load balancer",
            ])
    }

    @Test func servicesGetDistinctAddressesAndLoseThemWhenNoLongerLoadBalancers() throws {
        let cluster = "svc-lb-types"
        let sandbox = try MeridianProcess.sandbox(name: cluster)
        let prefix = LoadBalancerAnswer.prefix(cluster)
        try sandbox.createPod("web-a")
        try sandbox.setPodStatus("web-a", ip: "10.9.2.11", ready: true)
        try loadBalancer(sandbox, "one")
        #expect(try ingress(sandbox, "one") == [["ip": .string("\(prefix).2"), "ipMode": "VIP"]])
        try loadBalancer(sandbox, "two")
        #expect(try ingress(sandbox, "two") == [["ip": .string("\(prefix).3"), "ipMode": "VIP"]])
        #expect(HTTPProbe.eventually("\(prefix).3", 8080) { $0.body != nil }.body == LoadBalancerAnswer.body(cluster, "two", "web-a"))

        // Type ClusterIP: status cleared, finalizer gone, listener closed; the IP is free again.
        try sandbox.kubectl(["patch", "service", "one", "-p", #"{"spec": {"type": "ClusterIP"}}"#])
        let cleared = try sandbox.kubectlEventually([
            "get", "service", "one", "-o", "jsonpath={.status.loadBalancer}|{.metadata.finalizers}",
        ]) {
            $0.output == "{}|"
        }
        #expect(cleared.output == "{}|")
        #expect(HTTPProbe.eventually("\(prefix).2", 8080) { $0 == .refused } == .refused)
        try loadBalancer(sandbox, "three")
        #expect(try ingress(sandbox, "three") == [["ip": .string("\(prefix).2"), "ipMode": "VIP"]])
    }

    @Test func anAddressInUseIsReportedAndRetried() throws {
        let cluster = "svc-lb-busy"
        let sandbox = try MeridianProcess.sandbox(name: cluster)
        let ip = LoadBalancerAnswer.prefix(cluster) + ".2"
        let squatter = try PortSquatter(ip, 8080)
        try sandbox.createPod("web-a")
        try sandbox.setPodStatus("web-a", ip: "10.9.3.11", ready: true)
        try loadBalancer(sandbox, "web")
        let warning =
            "Warning SyncLoadBalancerFailed: Error syncing load balancer: failed to ensure load balancer: cannot listen on \(ip):8080: "
        let deadline = ContinuousClock.now + .seconds(30)
        var seen = try events(sandbox, of: "web")
        while !seen.contains(where: { $0.hasPrefix(warning) }) && ContinuousClock.now < deadline {
            usleep(100_000)
            seen = try events(sandbox, of: "web")
        }
        let failure = seen.first { $0.hasPrefix(warning) }
        #expect(failure?.contains("Address already in use") == true, "events: \(seen)")

        squatter.release()
        let answer = HTTPProbe.eventually(ip, 8080) { $0.body != nil }
        #expect(answer == .answered(status: 200, body: LoadBalancerAnswer.body(cluster, "web", "web-a")))
        #expect(try ingress(sandbox, "web") == [["ip": .string(ip), "ipMode": "VIP"]])
    }

    @Test func aDeploymentBehindALoadBalancerAnswersUntilScaledToZero() throws {
        let cluster = "svc-lb-deploy"
        let sandbox = try MeridianProcess.sandbox(name: cluster)
        let ip = LoadBalancerAnswer.prefix(cluster) + ".2"
        try sandbox.kubectl(["create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "--port=8080"])
        let exposed = try sandbox.kubectl(["expose", "deployment", "web", "--type=LoadBalancer", "--port=8080"])
        #expect(exposed.status == 0, "\(exposed.error)")
        let rollout = try sandbox.kubectl(["rollout", "status", "deployment/web", "--timeout=60s"])
        #expect(rollout.status == 0, "\(rollout.error)")
        #expect(try ingress(sandbox, "web") == [["ip": .string(ip), "ipMode": "VIP"]])

        let pods = try sandbox.kubectl(["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}"]).output
        let names = Set(pods.split(separator: " ").map(String.init))
        #expect(names.count == 2)
        let answers = LoadBalancerAnswer.eventuallyFrom(names, ip, 8080, cluster: cluster, service: "web")
        #expect(answers == Set(names.map { .answered(status: 200, body: LoadBalancerAnswer.body(cluster, "web", $0)) }))

        try sandbox.kubectl(["scale", "deployment", "web", "--replicas=0"])
        #expect(HTTPProbe.eventually(ip, 8080) { $0 == .refused } == .refused)
        try sandbox.kubectlEventually(["get", "endpoints", "web", "-o", "jsonpath={.subsets}"]) { $0.status == 0 && $0.output.isEmpty }

        try sandbox.kubectl(["scale", "deployment", "web", "--replicas=1"])
        let answer = HTTPProbe.eventually(ip, 8080) { $0.body != nil }
        let pod = try sandbox.kubectlEventually(["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}"]) {
            $0.status == 0 && !$0.output.isEmpty && !$0.output.contains(" ")
        }.output
        #expect(!names.contains(pod))
        #expect(answer == .answered(status: 200, body: LoadBalancerAnswer.body(cluster, "web", pod)))
    }
}
