import Foundation
import Testing

/// `meridian serve` plus sandbox members, with one merged KUBECONFIG as in the seed
/// (`KUBECONFIG=fed:member1:member2`), the federation context current.
final class FederationFixture {
    let root: URL
    private(set) var control: MeridianProcess
    private let controlArguments: [String]
    var members: [String: MeridianProcess] = [:]
    var regions: [String: String] = [:]
    let federationName: String

    init(name: String = "myfederation", members: [(name: String, region: String)], serveArguments: [String] = []) throws {
        federationName = name
        root = try Paths.temporaryDirectory("federation")
        let fedDir = root.appendingPathComponent("cp")
        let fedConfig = root.appendingPathComponent("fed.kubeconfig")
        controlArguments =
            ["serve", "--data-dir", fedDir.path, "--port", "0", "--federation-name", name, "--write-kubeconfig", fedConfig.path]
            + serveArguments
        control = try MeridianProcess(controlArguments, dataDir: fedDir, kubeconfig: fedConfig)
        try control.waitUntilReady()
        for member in members {
            regions[member.name] = member.region
            self.members[member.name] = try MeridianProcess.sandbox(name: member.name, extra: ["--region", member.region, "--nodes", "1"])
        }
        #expect(try kubectl(["config", "use-context", name]).status == 0)
    }

    deinit {
        control.kill()
        for member in members.values { member.kill() }
    }

    /// kill -9 of the control plane, then `serve` again on the same data dir (new ports).
    func restartControl() throws {
        control.kill()
        try? FileManager.default.removeItem(at: control.kubeconfig)
        control = try MeridianProcess(controlArguments, dataDir: control.dataDir, kubeconfig: control.kubeconfig)
        try control.waitUntilReady()
    }

    /// Starts a killed member again on its port and data dir: the same cluster, returning.
    func restart(_ name: String) throws {
        let old = members[name]!
        old.kill()
        members[name] = try MeridianProcess.sandbox(
            name: name, dataDir: old.dataDir, extra: ["--region", regions[name] ?? "", "--nodes", "1", "--port", String(try apiPort(name))])
    }

    /// The port of a member's API server, from its kubeconfig.
    func apiPort(_ name: String) throws -> Int {
        let kubeconfig = members[name]!.kubeconfig
        let text = try String(contentsOf: kubeconfig, encoding: .utf8)
        guard let match = text.firstMatch(of: /server: https:\/\/127\.0\.0\.1:(\d+)/), let port = Int(match.1) else {
            throw MeridianProcess.Failure("no server port in \(kubeconfig.path)")
        }
        return port
    }

    var kubeconfig: String {
        ([control.kubeconfig.path] + members.keys.sorted().map { members[$0]!.kubeconfig.path }).joined(separator: ":")
    }

    @discardableResult
    func kubectl(_ args: [String], input: String? = nil) throws -> CommandResult {
        try run(try Paths.kubectl(nil), args, environment: ["KUBECONFIG": kubeconfig], input: input)
    }

    @discardableResult
    func meridian(_ args: [String]) throws -> CommandResult {
        try run(Paths.meridian.path, args, environment: ["KUBECONFIG": kubeconfig])
    }

    /// Joins every member as the seed does (the first member hosts the control plane).
    func joinAll() throws {
        let host = members.keys.sorted().last ?? ""
        for name in members.keys.sorted() {
            let r = try meridian(["join", name, "--host-cluster-context=\(host)", "--cluster-context=\(name)"])
            #expect(r.status == 0, "join \(name): \(r.error)")
        }
        try eventually(["get", "clusters", "-o", "jsonpath={.items[*].status.state}"]) {
            $0.output == Array(repeating: "Ready", count: self.members.count).joined(separator: " ")
        }
    }

    /// Runs kubectl until `accept` holds or the deadline passes.
    @discardableResult
    func eventually(_ args: [String], timeout: Duration = .seconds(30), _ accept: (CommandResult) -> Bool) throws -> CommandResult {
        try kubectlEventually(kubeconfig: kubeconfig, args, timeout: timeout, accept)
    }
}

/// Runs kubectl with `KUBECONFIG=kubeconfig` until `accept` holds for its result, or fails
/// with the last result after `timeout`.
@discardableResult
func kubectlEventually(kubeconfig: String, _ args: [String], timeout: Duration = .seconds(30), _ accept: (CommandResult) -> Bool)
    throws -> CommandResult
{
    let deadline = ContinuousClock.now + timeout
    func kubectl() throws -> CommandResult { try run(try Paths.kubectl(nil), args, environment: ["KUBECONFIG": kubeconfig]) }
    var last = try kubectl()
    while !accept(last) {
        guard ContinuousClock.now < deadline else {
            throw MeridianProcess.Failure(
                "kubectl \(args.joined(separator: " ")) never satisfied the condition: \(last.output) \(last.error)")
        }
        usleep(100_000)
        last = try kubectl()
    }
    return last
}
