import ChildProcesses
import Foundation
import KubeClient
import Testing

/// A real `meridian apiserver` (built next to the tests) on a free port, for checking the
/// client against a real TLS server. Its serving certificate covers `localhost` and
/// `127.0.0.1`; its kubeconfig names `https://127.0.0.1:<port>`.
final class APIServerProcess {
    let process: SpawnedProcess
    let dataDir: URL
    var kubeconfig: String { dataDir.appendingPathComponent("kubeconfig").path }
    var adminToken: String {
        get throws { try Scratch.read(dataDir.appendingPathComponent("admin.token").path) }
    }

    /// With `bindAddress` 0.0.0.0 the certificate still covers only localhost and 127.0.0.1,
    /// but the server also answers on 127.0.0.2 (on Linux, where all of 127/8 is loopback).
    init(bindAddress: String = "127.0.0.1") async throws {
        dataDir = try Scratch.directory("kubeclient-apiserver")
        let log = dataDir.appendingPathComponent("log").path
        process = try SpawnedProcess(
            executable: try Self.binary().path,
            arguments: [
                "apiserver", "--data-dir", dataDir.path, "--port", "0", "--bind-address", bindAddress, "--write-kubeconfig",
                dataDir.appendingPathComponent("kubeconfig").path,
            ], standardOutput: .file(log), standardError: .file(log))
        try await waitUntilReady()
    }

    /// The server's own kubeconfig, resolved (CA and admin client certificate).
    func configuration() throws -> ClientConfiguration {
        try Kubeconfig.load(explicitPath: kubeconfig).resolve()
    }

    /// Polls until the kubeconfig is written and `/readyz` answers.
    private func waitUntilReady() async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let status = process.terminationStatus { throw TestFailure("meridian apiserver exited with \(status)") }
            if FileManager.default.fileExists(atPath: kubeconfig) {
                let client = try KubeHTTPClient(try configuration())
                let status = try? await client.request(.GET, "/readyz").status
                await client.shutdown()
                if status == 200 { return }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("meridian apiserver did not become ready")
    }

    func stop() {
        process.send(SIGTERM)
        process.waitUntilExit()
    }

    deinit { stop() }

    /// `meridian` in the build directory the test bundle runs from.
    static func binary() throws -> URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("meridian")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let fallback = root.appendingPathComponent(".build/debug/meridian")
        guard FileManager.default.isExecutableFile(atPath: fallback.path) else {
            throw TestFailure("the meridian binary is not built (swift build --build-tests)")
        }
        return fallback
    }
}
