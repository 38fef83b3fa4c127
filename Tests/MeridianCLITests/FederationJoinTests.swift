import Foundation
import KubeAPI
import Testing

/// The seed's walkthrough up to `kubectl get clusters`, with `meridian serve` as the control
/// plane (the host cluster is the federation's own context) and two sandbox members, then
/// health: a dead member goes Offline, a returning one Ready, unjoin removes it.
@Suite struct FederationJoinTests {
    @Test func joinReportsHealthAndUnjoins() throws {
        let root = try Paths.temporaryDirectory("federation")
        let fedDir = root.appendingPathComponent("cp")
        let fedConfig = root.appendingPathComponent("fed.kubeconfig")
        let control = try MeridianProcess(
            ["serve", "--data-dir", fedDir.path, "--port", "0", "--federation-name", "myfederation", "--write-kubeconfig", fedConfig.path],
            dataDir: fedDir, kubeconfig: fedConfig)
        defer { control.kill() }
        try control.waitUntilReady()
        let west = try MeridianProcess.sandbox(name: "westuscluster1", extra: ["--region", "westus", "--nodes", "1"])
        let eastDir = root.appendingPathComponent("east")
        let eastPort = try freePort()
        var east = try MeridianProcess.sandbox(
            name: "eastuscluster1", dataDir: eastDir, extra: ["--region", "eastus", "--nodes", "1", "--port", String(eastPort)])
        defer { east.kill() }
        let kubeconfig = [fedConfig.path, west.kubeconfig.path, east.kubeconfig.path].joined(separator: ":")
        func kubectl(_ args: [String]) throws -> CommandResult {
            try run(try Paths.kubectl(nil), args, environment: ["KUBECONFIG": kubeconfig])
        }
        func meridian(_ args: [String]) throws -> CommandResult {
            try run(Paths.meridian.path, args, environment: ["KUBECONFIG": kubeconfig])
        }
        func clusters() throws -> String {
            try kubectl(["get", "clusters", "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.state}/{.spec.region} {end}"]).output
        }
        func eventually(_ want: String) throws {
            let deadline = ContinuousClock.now + .seconds(30)
            while try clusters() != want {
                guard ContinuousClock.now < deadline else {
                    throw MeridianProcess.Failure("clusters never became \(want): \(try clusters())")
                }
                usleep(100_000)
            }
        }

        #expect(try kubectl(["config", "use-context", "myfederation"]).output == "Switched to context \"myfederation\".\n")
        // The seed creates the default namespace; it already exists, and that does no harm.
        #expect(try kubectl(["get", "ns", "default", "-o", "name"]).output == "namespace/default\n")
        let westJoin = try meridian(["join", "westuscluster1", "--host-cluster-context=westuscluster1", "--cluster-context=westuscluster1"])
        #expect(westJoin.status == 0, "\(westJoin.error)")
        #expect(westJoin.output == "cluster \"westuscluster1\" joined federation \"myfederation\"\n")
        let eastJoin = try meridian(["join", "eastuscluster1", "--host-cluster-context=westuscluster1", "--cluster-context=eastuscluster1"])
        #expect(eastJoin.status == 0, "\(eastJoin.error)")
        try eventually("eastuscluster1=Ready/eastus westuscluster1=Ready/westus ")
        let table = try kubectl(["get", "clusters"]).output.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true)
        }
        #expect(table.first == ["NAME", "STATUS", "REGION", "ZONE", "AGE"])
        #expect(
            table.dropFirst().map { Array($0.prefix(4)) } == [
                ["eastuscluster1", "Ready", "eastus", "eastus-a"], ["westuscluster1", "Ready", "westus", "westus-a"],
            ])

        // The member holds the federation's account, limited to what propagation needs.
        let account = try west.kubectl(["get", "serviceaccount", "meridian-myfederation", "-n", "federation-system", "-o", "name"])
        #expect(account.output == "serviceaccount/meridian-myfederation\n")
        let canImpersonate = try west.kubectl([
            "auth", "can-i", "impersonate", "users", "--as=system:serviceaccount:federation-system:meridian-myfederation",
        ])
        #expect(canImpersonate.output == "no\n")
        let canCreate = try west.kubectl([
            "auth", "can-i", "create", "deployments", "--as=system:serviceaccount:federation-system:meridian-myfederation",
        ])
        #expect(canCreate.output == "yes\n")

        // Something propagated to both, to see unjoin take it away from one.
        #expect(try kubectl(["create", "configmap", "shared", "--from-literal=k=v"]).status == 0)
        for member in ["westuscluster1", "eastuscluster1"] {
            let deadline = ContinuousClock.now + .seconds(30)
            while try kubectl(["--context", member, "get", "configmap", "shared", "-o", "jsonpath={.data.k}"]).output != "v" {
                guard ContinuousClock.now < deadline else { throw MeridianProcess.Failure("shared never reached \(member)") }
                usleep(100_000)
            }
        }

        // A dead member goes Offline (3 failed probes at 1 s), and comes back Ready.
        let killed = ContinuousClock.now
        east.kill()
        try eventually("eastuscluster1=Offline/eastus westuscluster1=Ready/westus ")
        #expect(ContinuousClock.now - killed < .seconds(10))
        let message = try kubectl(["get", "cluster", "eastuscluster1", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}"])
        #expect(message.output == "ClusterNotReachable")
        east = try MeridianProcess.sandbox(
            name: "eastuscluster1", dataDir: eastDir, extra: ["--region", "eastus", "--nodes", "1", "--port", String(eastPort)])
        try eventually("eastuscluster1=Ready/eastus westuscluster1=Ready/westus ")

        let unjoin = try meridian(["unjoin", "eastuscluster1", "--host-cluster-context=westuscluster1", "--cluster-context=eastuscluster1"])
        #expect(unjoin.status == 0, "\(unjoin.error)")
        try eventually("westuscluster1=Ready/westus ")
        #expect(try kubectl(["get", "secret", "eastuscluster1", "-n", "federation-system"]).status != 0)
        #expect(try east.kubectl(["get", "serviceaccount", "meridian-myfederation", "-n", "federation-system"]).status != 0)
        // What the federation put there went with it; the other member keeps its copy.
        #expect(try east.kubectl(["get", "configmap", "shared"]).status != 0)
        #expect(try west.kubectl(["get", "configmap", "shared", "-o", "jsonpath={.data.k}"]).output == "v")
        let again = try meridian(["unjoin", "eastuscluster1", "--host-cluster-context=westuscluster1"])
        #expect(again.status != 0)
        #expect(again.error == "meridian: cluster \"eastuscluster1\" is not a member of federation \"myfederation\"\n")
    }
}
