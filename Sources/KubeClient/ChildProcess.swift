import ChildProcesses
import Foundation

/// Runs a program to completion without blocking the concurrency pool: the pipe reads and
/// the wait happen on a thread of their own.
enum ChildProcess {
    struct Output: Sendable {
        var status: Int32
        var stdout: Data
        var stderr: Data
    }

    enum Failure: Error {
        case notFound
        case launch(String)
    }

    /// `command` is looked up in `searchPath` unless it contains a slash. Standard input is
    /// `/dev/null`.
    static func run(_ command: String, arguments: [String], environment: [String: String], searchPath: String) async throws(Failure)
        -> Output
    {
        guard let executable = locate(command, path: searchPath) else {
            throw .notFound
        }
        do {
            let output = try await offCooperativePool {
                try SpawnedProcess.run(executable: executable, arguments: arguments, environment: environment)
            }
            return Output(status: output.status, stdout: Data(output.standardOutput), stderr: Data(output.standardError))
        } catch {
            throw .launch("\(error)")  // SpawnError's description says what failed
        }
    }

    static func locate(_ command: String, path: String) -> String? {
        let fm = FileManager.default
        if command.contains("/") { return fm.isExecutableFile(atPath: command) ? command : nil }
        for dir in path.split(separator: ":") {
            let candidate = (String(dir) as NSString).appendingPathComponent(command)
            if fm.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
