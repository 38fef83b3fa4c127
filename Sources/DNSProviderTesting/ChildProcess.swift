import ChildProcesses
import Foundation
import TestPorts

/// A server a test starts as its own child process: output to a log file in its
/// directory, stopped by its PID (never by name: other people's processes run here).
public final class ChildProcess: Sendable {
    let process: SpawnedProcess
    public let directory: URL
    public let logFile: URL

    public init(_ executable: String, _ arguments: [String], directory: URL, environment: [String: String]? = nil) throws {
        self.directory = directory
        logFile = directory.appendingPathComponent("\(URL(fileURLWithPath: executable).lastPathComponent).log")
        process = try SpawnedProcess(
            executable: executable, arguments: arguments,
            environment: environment.map { ProcessInfo.processInfo.environment.merging($0) { $1 } },
            workingDirectory: directory.path, standardOutput: .file(logFile.path), standardError: .file(logFile.path))
    }

    public var pid: Int32 { process.pid }
    public var isRunning: Bool { process.isRunning }
    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// SIGKILL to this PID, then reaps it.
    public func stop() { process.killAndWait() }

    deinit { stop() }
}

/// Test plumbing: temporary directories, free loopback ports, polling with deadlines.
public enum TestEnvironment {
    public static func temporaryDirectory(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("meridian-\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A loopback port free for both TCP and UDP right now, never handed out before in this
    /// process (`LoopbackPorts`); 0 if none is left.
    public static func freePort() -> Int { (try? LoopbackPorts.free()) ?? 0 }

    /// Runs `body` until it returns a value or `timeout` passes.
    public static func poll<T>(timeout: Duration, every interval: Duration = .milliseconds(100), _ body: () async throws -> T?)
        async rethrows -> T?
    {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let value = try await body() { return value }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: interval)
        }
    }

    /// Runs a command to completion; its status and standard output. The wait happens on a
    /// thread of its own: a test polling `dig` while a server starts must not hold one of
    /// the cooperative pool's two threads for seconds (other tests' deadlines ran out).
    public static func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let output = try await offCooperativePool { try SpawnedProcess.run(executable: executable, arguments: arguments) }
        return (output.status, String(decoding: output.standardOutput, as: UTF8.self))
    }
}
