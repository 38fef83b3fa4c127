import ChildProcesses
import Foundation
import Testing

/// Where the package and its sibling `shared/` folder are.
enum Paths {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    static let conformance = shared.appendingPathComponent("conformance/kubectl/run.sh")

    /// The `meridian` binary built next to the test bundle.
    static var meridian: URL {
        if let override = ProcessInfo.processInfo.environment["MERIDIAN_BIN"] { return URL(fileURLWithPath: override) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("meridian")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/meridian")
    }

    /// `kubectl.1.NN` beside the file the default `kubectl` links to.
    static func kubectl(_ version: String?) throws -> String {
        let which = try run("/bin/sh", ["-c", "readlink -f \"$(command -v kubectl)\""]).output.trimmingCharacters(
            in: .whitespacesAndNewlines)
        guard let version else { return which }
        return URL(fileURLWithPath: which).deletingLastPathComponent().appendingPathComponent("kubectl.\(version)").path
    }

    static func temporaryDirectory(_ label: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("meridian-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

struct CommandResult {
    var status: Int32
    var output: String
    var error: String
}

/// Runs a command to its end, capturing its output; one still running after `limit`
/// seconds is killed (a hung command fails its test instead of holding the whole run until
/// CI's time runs out).
@discardableResult
func run(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil, limit: Double = 600
) throws -> CommandResult {
    let output = try SpawnedProcess.run(
        executable: executable, arguments: arguments,
        environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new }, input: Array((input ?? "").utf8),
        limit: .seconds(limit))
    return CommandResult(
        status: output.status, output: String(decoding: output.standardOutput, as: UTF8.self),
        error: String(decoding: output.standardError, as: UTF8.self))
}

/// A `meridian` server process started for one test, stopped (SIGKILL if need be) at the end.
final class MeridianProcess {
    let process: SpawnedProcess
    let dataDir: URL
    let kubeconfig: URL
    let logFile: URL

    init(_ arguments: [String], dataDir: URL, kubeconfig: URL) throws {
        self.dataDir = dataDir
        self.kubeconfig = kubeconfig
        logFile = dataDir.deletingLastPathComponent().appendingPathComponent("\(dataDir.lastPathComponent).log")
        process = try SpawnedProcess(
            executable: Paths.meridian.path, arguments: arguments, standardOutput: .file(logFile.path), standardError: .file(logFile.path))
    }

    /// `meridian apiserver` on a free port with a kubeconfig, ready to serve.
    static func apiserver(dataDir: URL? = nil, extra: [String] = []) throws -> MeridianProcess {
        let dir = try dataDir ?? Paths.temporaryDirectory("apiserver")
        let kubeconfig = dir.appendingPathComponent("kubeconfig")
        try? FileManager.default.removeItem(at: kubeconfig)
        let p = try MeridianProcess(
            ["apiserver", "--data-dir", dir.path, "--port", "0", "--write-kubeconfig", kubeconfig.path] + extra, dataDir: dir,
            kubeconfig: kubeconfig)
        try p.waitUntilReady()
        return p
    }

    /// `meridian sandbox --name NAME` on a free port with a kubeconfig (context NAME), ready to serve.
    static func sandbox(name: String, dataDir: URL? = nil, extra: [String] = []) throws -> MeridianProcess {
        let dir = try dataDir ?? Paths.temporaryDirectory("sandbox-\(name)")
        let kubeconfig = dir.appendingPathComponent("kubeconfig")
        try? FileManager.default.removeItem(at: kubeconfig)
        let p = try MeridianProcess(
            ["sandbox", "--name", name, "--data-dir", dir.path, "--port", "0", "--write-kubeconfig", kubeconfig.path] + extra,
            dataDir: dir, kubeconfig: kubeconfig)
        try p.waitUntilReady()
        return p
    }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Polls until the kubeconfig exists and `/readyz` answers through kubectl.
    func waitUntilReady(timeout: Duration = .seconds(60)) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = process.terminationStatus { throw Failure("meridian exited with \(status): \(log)") }
            if FileManager.default.fileExists(atPath: kubeconfig.path),
                let r = try? kubectl(["get", "--raw", "/readyz"]), r.status == 0, r.output == "ok"
            {
                return
            }
            usleep(50_000)
        }
        throw Failure("meridian did not become ready: \(log)")
    }

    @discardableResult
    func kubectl(_ args: [String], input: String? = nil, version: String? = nil) throws -> CommandResult {
        try run(try Paths.kubectl(version), ["--kubeconfig", kubeconfig.path] + args, input: input)
    }

    func kill(signal: Int32 = SIGKILL) {
        process.send(signal)
        process.waitUntilExit()
    }

    /// Sends a signal without waiting (SIGSTOP/SIGCONT freeze and thaw the process).
    func send(_ signal: Int32) { process.send(signal) }

    deinit { kill() }

    /// Runs kubectl until `accept` returns true for its result, or fails with the last
    /// result after `timeout`.
    @discardableResult
    func kubectlEventually(
        _ args: [String], timeout: Duration = .seconds(30), _ accept: (CommandResult) -> Bool
    ) throws -> CommandResult {
        let deadline = ContinuousClock.now + timeout
        var last = try kubectl(args)
        while !accept(last) {
            guard ContinuousClock.now < deadline else {
                throw Failure("kubectl \(args.joined(separator: " ")) never satisfied the condition; last: \(last.output) \(last.error)")
            }
            usleep(100_000)
            last = try kubectl(args)
        }
        return last
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }
}
