import Foundation
import KubeAPI
import Testing

/// `meridian up`: a federation in one command, members Ready, work spread, state kept.
@Suite struct UpCommandTests {
    func start(_ dir: URL, members: Int = 3) throws -> MeridianProcess {
        let kubeconfig = dir.appendingPathComponent("kubeconfig")
        try? FileManager.default.removeItem(at: kubeconfig)
        let up = try MeridianProcess(
            ["up", "--members", String(members), "--nodes", "1", "--data-dir", dir.path], dataDir: dir, kubeconfig: kubeconfig)
        let deadline = ContinuousClock.now + .seconds(60)
        while !up.log.contains("Meridian federation is up") {
            guard up.process.isRunning, ContinuousClock.now < deadline else {
                throw MeridianProcess.Failure("meridian up failed: \(up.log)")
            }
            usleep(50_000)
        }
        return up
    }

    @Test func threeMembersSpreadADeploymentAndKeepStateAcrossARestart() throws {
        let dir = try Paths.temporaryDirectory("up")
        var up = try start(dir)
        defer { up.kill() }
        #expect(up.log.contains("Contexts: meridian, member-1, member-2, member-3."))
        #expect(try up.kubectl(["config", "current-context"]).output == "meridian\n")
        let clusters = try up.kubectl([
            "get", "clusters", "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.state}/{.spec.region} {end}",
        ])
        #expect(clusters.output == "member-1=Ready/region-1 member-2=Ready/region-2 member-3=Ready/region-3 ")
        #expect(try up.kubectl(["create", "deployment", "web", "--image=nginx", "--replicas=6"]).status == 0)
        for member in ["member-1", "member-2", "member-3"] {
            try up.kubectlEventually([
                "--context", member, "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}/{.status.readyReplicas}",
            ]) {
                $0.output == "2/2"
            }
        }
        try up.kubectlEventually(["get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}"]) { $0.output == "6" }

        // Stop and start again with the same data directory: everything is still there.
        up.kill(signal: SIGTERM)
        up = try start(dir)
        #expect(try up.kubectl(["get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"]).output == "6")
        try up.kubectlEventually(["get", "clusters", "-o", "jsonpath={.items[*].status.state}"]) { $0.output == "Ready Ready Ready" }
        try up.kubectlEventually(["--context", "member-3", "get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}"]) {
            $0.output == "2"
        }
    }

    @Test func theClusterProxyReachesMembersThroughTheControlPlane() throws {
        let dir = try Paths.temporaryDirectory("proxy")
        let up = try start(dir, members: 2)
        defer { up.kill() }
        let server = try up.kubectl(["config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"]).output
        let nodes = try up.kubectl([
            "--server", "\(server)/apis/federation.meridian.dev/v1alpha1/clusters/member-2/proxy", "get", "nodes", "-o", "name",
        ])
        #expect(nodes.output == "node/member-2-node-1\n", "\(nodes.error)")
        // up runs the built-in DNS and says where.
        let dnsPort = try DigClient.port(of: up)
        #expect(up.log.contains("DNS: 127.0.0.1 port \(dnsPort), zone meridian.local."))
        let soa = try DigClient.query(port: dnsPort, "meridian.local.", "NS")
        #expect(soa == DigClient.Answer(status: "NOERROR", records: ["meridian.local. NS ns1.meridian.local."]))
        let missing = try up.kubectl(["get", "--raw", "/apis/federation.meridian.dev/v1alpha1/clusters/nope/proxy/readyz"])
        #expect(missing.error == "Error from server (NotFound): clusters.federation.meridian.dev \"nope\" not found\n")
    }
}
