import ChildProcesses
import Foundation

/// `Tests/Support/tcp-forwarder.py` in front of a loopback port: killing it cuts every
/// path through it at once while the server behind keeps running. Stopped by PID.
final class TCPForwarder {
    let process: SpawnedProcess
    let port: Int
    private let output: URL

    init(to targetPort: Int, timeout: Duration = .seconds(10)) throws {
        output = try Paths.temporaryDirectory("forwarder").appendingPathComponent("out")
        process = try SpawnedProcess(
            executable: "/usr/bin/env",
            arguments: ["python3", Paths.packageRoot.appendingPathComponent("Tests/Support/tcp-forwarder.py").path, String(targetPort)],
            standardOutput: .file(output.path), standardError: .file(output.path))
        let deadline = ContinuousClock.now + timeout
        while true {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if let match = text.firstMatch(of: /listening on (\d+)/), let port = Int(match.1) {
                self.port = port
                return
            }
            guard process.isRunning, ContinuousClock.now < deadline else {
                process.killAndWait()
                throw MeridianProcess.Failure("the forwarder did not start: \(text)")
            }
            usleep(50_000)
        }
    }

    func kill() { process.killAndWait() }

    deinit { kill() }
}
