import Foundation

/// `Tests/Support/tcp-forwarder.py` in front of a loopback port: killing it cuts every
/// path through it at once while the server behind keeps running. Stopped by PID.
final class TCPForwarder {
    let process = Process()
    let port: Int
    private let output: URL

    init(to targetPort: Int, timeout: Duration = .seconds(10)) throws {
        output = try Paths.temporaryDirectory("forwarder").appendingPathComponent("out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", Paths.packageRoot.appendingPathComponent("Tests/Support/tcp-forwarder.py").path, String(targetPort),
        ]
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while true {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if let match = text.firstMatch(of: /listening on (\d+)/), let port = Int(match.1) {
                self.port = port
                return
            }
            guard process.isRunning, ContinuousClock.now < deadline else {
                if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
                throw MeridianProcess.Failure("the forwarder did not start: \(text)")
            }
            usleep(50_000)
        }
    }

    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { kill() }
}
