import Foundation
import StoreTesting
import Testing

/// Two `meridian serve` replicas on one etcd, sharing their certificates as `meridian init`
/// would hand them out: both serve the API, one leads, and when the leader dies (kill -9)
/// the other takes over the controllers within 15 s.
@Suite(.enabled(if: EtcdCluster.binary != nil, "etcd is not installed (apt-get install etcd-server)"))
struct ControlPlaneFailoverTests {
    static func serve(_ etcd: EtcdCluster, root: URL, name: String, pki: String?) throws -> MeridianProcess {
        let dir = root.appendingPathComponent(name)
        let kubeconfig = root.appendingPathComponent("\(name).kubeconfig")
        var args = [
            "serve", "--data-dir", dir.path, "--port", "0", "--write-kubeconfig", kubeconfig.path, "--store", "etcd", "--etcd-endpoints",
            etcd.endpoints, "--leader-elect-lease-duration", "10",
        ]
        if let pki { args += ["--pki-dir", pki] }
        let process = try MeridianProcess(args, dataDir: dir, kubeconfig: kubeconfig)
        try process.waitUntilReady()
        return process
    }

    @Test func aFollowerTakesOverWithinFifteenSecondsOfTheLeadersDeath() throws {
        let etcd = try EtcdCluster()
        defer { etcd.stopAll() }
        let root = try Paths.temporaryDirectory("failover")
        let first = try Self.serve(etcd, root: root, name: "cp-a", pki: nil)
        let second = try Self.serve(etcd, root: root, name: "cp-b", pki: first.dataDir.appendingPathComponent("pki").path)
        let member = try MeridianProcess.sandbox(name: "failover-m1", extra: ["--nodes", "1"])
        defer {
            first.kill()
            second.kill()
            member.kill()
        }
        func kubectl(_ via: MeridianProcess, _ args: [String]) throws -> CommandResult {
            try run(try Paths.kubectl(nil), args, environment: ["KUBECONFIG": "\(via.kubeconfig.path):\(member.kubeconfig.path)"])
        }
        func eventually(_ via: MeridianProcess, _ args: [String], timeout: Duration = .seconds(30), _ accept: (CommandResult) -> Bool)
            throws -> Duration
        {
            let start = ContinuousClock.now
            while true {
                let result = try kubectl(via, args)
                if accept(result) { return ContinuousClock.now - start }
                guard ContinuousClock.now - start < timeout else {
                    throw MeridianProcess.Failure(
                        "\(args.joined(separator: " ")) never satisfied the condition: \(result.output) \(result.error)")
                }
                usleep(100_000)
            }
        }
        // One of the two leads (exactly one says so); both answer the federation API.
        _ = try eventually(first, ["get", "lease", "-n", "federation-system", "meridian-controllers", "-o", "name"]) { $0.status == 0 }
        let leaders = [first, second].filter { $0.log.contains("became the leader") }
        #expect(leaders.count == 1, "leaders: \(leaders.map(\.dataDir.lastPathComponent))")
        guard let leader = leaders.first else { return }
        let follower = leader === first ? second : first

        let join = try run(
            Paths.meridian.path,
            ["join", "failover-m1", "--host-cluster-context=failover-m1", "--cluster-context=failover-m1", "--federation=meridian"],
            environment: ["KUBECONFIG": "\(follower.kubeconfig.path):\(member.kubeconfig.path)"])
        #expect(join.status == 0, "\(join.error)")
        _ = try eventually(follower, ["get", "cluster", "failover-m1", "-o", "jsonpath={.status.state}"]) { $0.output == "Ready" }
        #expect(try kubectl(follower, ["--context", "meridian", "create", "configmap", "before", "--from-literal=k=v"]).status == 0)
        _ = try eventually(follower, ["--context", "failover-m1", "get", "configmap", "before", "-o", "jsonpath={.data.k}"]) {
            $0.output == "v"
        }

        // The leader dies without a word; a change made meanwhile is propagated by the new leader.
        let died = ContinuousClock.now
        leader.kill()
        #expect(try kubectl(follower, ["--context", "meridian", "create", "configmap", "after", "--from-literal=k=w"]).status == 0)
        _ = try eventually(follower, ["--context", "failover-m1", "get", "configmap", "after", "-o", "jsonpath={.data.k}"]) {
            $0.output == "w"
        }
        let takeover = ContinuousClock.now - died
        #expect(takeover < .seconds(15), "took \(takeover)")
        #expect(follower.log.contains("became the leader"))
    }
}
