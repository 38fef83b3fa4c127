import Foundation

/// Runs a program to completion without blocking the concurrency pool: the blocking pipe
/// reads and the wait happen on Dispatch threads.
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do {
            try process.run()
        } catch {
            throw .launch(error.localizedDescription)
        }
        // Both pipes are drained at once so a chatty plugin cannot fill one and stall.
        async let stdout = onDispatch { out.fileHandleForReading.readDataToEndOfFile() }
        async let stderr = onDispatch { err.fileHandleForReading.readDataToEndOfFile() }
        let (o, e) = await (stdout, stderr)
        let status = await onDispatch {
            process.waitUntilExit()
            return process.terminationStatus
        }
        return Output(status: status, stdout: o, stderr: e)
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

    private static func onDispatch<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }
}
