import ChildProcesses
import Foundation
import Testing

/// Temporary directories and files for one test.
enum Scratch {
    static func directory(_ label: String = "kubeconfig") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @discardableResult
    static func write(_ text: String, name: String, in dir: URL, mode: Int? = nil) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        if let mode { try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path) }
        return path
    }

    static func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
}

struct CommandResult {
    var status: Int32
    var output: String
    var error: String
}

/// Runs a program to completion; the caller's environment plus `environment`.
func runProgram(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
    let output = try SpawnedProcess.run(
        executable: executable, arguments: arguments,
        environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new }, limit: .seconds(300))
    return CommandResult(
        status: output.status, output: String(decoding: output.standardOutput, as: UTF8.self),
        error: String(decoding: output.standardError, as: UTF8.self))
}

/// The real kubectl, as the reference reader of kubeconfig files.
func kubectl(_ arguments: [String]) throws -> CommandResult {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    let found = path.split(separator: ":").map { "\($0)/kubectl" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let found else { throw TestFailure("kubectl is not in PATH") }
    return try runProgram(found, arguments)
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
