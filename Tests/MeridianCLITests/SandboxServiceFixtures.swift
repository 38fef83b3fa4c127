import Foundation
import Testing

/// Pods and Services made by hand in a sandbox. Hand-made pods sit on a node outside the
/// sandbox, so its simulated kubelet leaves their status to the test, which sets IP and
/// readiness through the status subresource.
extension MeridianProcess {
    static let outsideNode = "outside-node-1"

    func applyJSON(_ object: String) throws {
        let result = try kubectl(["apply", "-f", "-"], input: object)
        #expect(result.status == 0, "kubectl apply failed: \(result.error)")
    }

    /// A pod with one container port `http` (8080), bound to the outside node; returns its uid.
    @discardableResult
    func createPod(_ name: String, app: String = "web") throws -> String {
        try applyJSON(
            """
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "\(name)", "labels": {"app": "\(app)"}},
             "spec": {"nodeName": "\(Self.outsideNode)",
                      "containers": [{"name": "app", "image": "nginx", "ports": [{"name": "http", "containerPort": 8080}]}]}}
            """)
        return try kubectl(["get", "pod", name, "-o", "jsonpath={.metadata.uid}"]).output
    }

    func setPodStatus(_ pod: String, ip: String, ready: Bool) throws {
        let patch = """
            {"status": {"phase": "Running", "podIP": "\(ip)", "podIPs": [{"ip": "\(ip)"}],
                        "conditions": [{"type": "Ready", "status": "\(ready ? "True" : "False")"}]}}
            """
        let result = try kubectl(["patch", "pod", pod, "--subresource=status", "--type=merge", "-p", patch])
        #expect(result.status == 0, "status patch failed: \(result.error)")
    }

    /// A ready pod `web-1` (app=web) with `podIP` in the sandbox named `cluster`; returns
    /// the address its load balancer gives the first LoadBalancer Service (`.2` of its /24).
    func readyWebPod(cluster: String, podIP: String) throws -> String {
        try createPod("web-1")
        try setPodStatus("web-1", ip: podIP, ready: true)
        return LoadBalancerAnswer.prefix(cluster) + ".2"
    }

    func forceDeletePod(_ pod: String) throws {
        let result = try kubectl(["delete", "pod", pod, "--grace-period=0", "--force"])
        #expect(result.status == 0, "delete failed: \(result.error)")
    }
}

/// What the sandbox's load balancers answer, and where.
enum LoadBalancerAnswer {
    /// The sandbox's load-balancer /24, derived from its name as `meridian sandbox` does (FNV-1a).
    static func prefix(_ name: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in name.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return "127.\(100 + hash % 128).\((hash >> 8) % 256)"
    }

    static func body(_ cluster: String, _ service: String, _ pod: String) -> String {
        "cluster: \(cluster)\nnamespace: default\nservice: \(service)\npod: \(pod)\n"
    }

    /// `count` probes in a row.
    static func probes(_ ip: String, _ port: Int, count: Int) -> [HTTPProbe] { (0..<count).map { _ in HTTPProbe.get(ip, port) } }

    /// Probes until three answers in a row all come from `pod` (round-robin over more
    /// pods would alternate); returns the last three.
    static func eventuallyOnly(_ pod: String, _ ip: String, _ port: Int, cluster: String, service: String) -> [HTTPProbe] {
        let deadline = ContinuousClock.now + .seconds(30)
        var last = probes(ip, port, count: 3)
        while !last.allSatisfy({ $0.body == body(cluster, service, pod) }) && ContinuousClock.now < deadline {
            usleep(100_000)
            last = probes(ip, port, count: 3)
        }
        return last
    }

    /// Probes until a round of probes (two per pod) got answers from exactly `pods`.
    static func eventuallyFrom(_ pods: Set<String>, _ ip: String, _ port: Int, cluster: String, service: String) -> Set<HTTPProbe> {
        let deadline = ContinuousClock.now + .seconds(60)
        let wanted = Set(pods.map { HTTPProbe.answered(status: 200, body: body(cluster, service, $0)) })
        var seen = Set(probes(ip, port, count: pods.count * 2))
        while seen != wanted && ContinuousClock.now < deadline {
            usleep(100_000)
            seen = Set(probes(ip, port, count: pods.count * 2))
        }
        return seen
    }
}
