import Foundation
import StoreTesting
import Testing

/// The shared kubectl compatibility suite, unmodified, against `meridian apiserver`, with
/// several kubectl releases. Every scenario must pass; none may be skipped.
@Suite(.serialized) struct KubectlConformanceTests {
    func runSuite(kubectlVersion: String?, against server: MeridianProcess? = nil) throws {
        let server = try server ?? MeridianProcess.apiserver()
        defer { server.kill() }
        let kubectl = try Paths.kubectl(kubectlVersion)
        let result = try run(
            "/bin/bash", [Paths.conformance.path],
            environment: ["KUBECONFIG": server.kubeconfig.path, "KUBECTL": kubectl, "VERBOSE": "1"])
        let lines = result.output.split(separator: "\n").map(String.init)
        let failures = lines.filter { $0.hasPrefix("FAIL") || $0.hasPrefix("SKIP") }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))\n\(result.output.suffix(3000))")
        let passed = lines.filter { $0.hasPrefix("PASS ") }.count
        #expect(passed >= 50, "only \(passed) scenarios passed")
        #expect(lines.last == "\(passed) passed, 0 failed", "summary: \(lines.last ?? "")")
        #expect(result.status == 0)
    }

    @Test func kubectlDefault() throws { try runSuite(kubectlVersion: nil) }
    @Test func kubectl1_27() throws { try runSuite(kubectlVersion: "1.27") }
    /// 1.33 sends typed requests as Kubernetes protobuf.
    @Test func kubectl1_33() throws { try runSuite(kubectlVersion: "1.33") }
    /// The API server on etcd instead of the embedded store.
    @Test(.enabled(if: EtcdCluster.binary != nil, "etcd is not installed (apt-get install etcd-server)"))
    func etcdStore() throws {
        let etcd = try EtcdCluster()
        defer { etcd.stopAll() }
        try runSuite(
            kubectlVersion: nil, against: try MeridianProcess.apiserver(extra: ["--store", "etcd", "--etcd-endpoints", etcd.endpoints]))
    }
    /// A sandbox cluster: the same API with every controller running (namespace finalization
    /// included). It has no nodes: scenario 09 asserts a fresh pod is still unscheduled, which
    /// on a cluster with a free node is a race against the scheduler.
    @Test func sandboxCluster() throws {
        try runSuite(kubectlVersion: nil, against: try MeridianProcess.sandbox(name: "conformance", extra: ["--nodes", "0"]))
    }
}
