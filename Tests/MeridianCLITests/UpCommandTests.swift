import Foundation
import KubeAPI
import Testing

/// `meridian up`: a federation in one command, members Ready, work spread, state kept.
@Suite struct UpCommandTests {
    func start(_ dir: URL) throws -> MeridianProcess {
        let kubeconfig = dir.appendingPathComponent("kubeconfig")
        try? FileManager.default.removeItem(at: kubeconfig)
        let up = try MeridianProcess(
            ["up", "--members", "3", "--nodes", "1", "--data-dir", dir.path], dataDir: dir, kubeconfig: kubeconfig)
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
}
