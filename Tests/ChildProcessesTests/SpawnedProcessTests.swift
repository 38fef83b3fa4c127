import ChildProcesses
import Foundation
import Testing

struct SpawnedProcessTests {
    @Test func collectsBothStreamsTheExitCodeAndFeedsInput() throws {
        let output = try SpawnedProcess.run(
            executable: "/bin/sh", arguments: ["-c", "read line; echo \"got $line\"; echo oops >&2; exit 3"], input: Array("hello\n".utf8))
        #expect(output.status == 3)
        #expect(String(decoding: output.standardOutput, as: UTF8.self) == "got hello\n")
        #expect(String(decoding: output.standardError, as: UTF8.self) == "oops\n")
        #expect(!output.timedOut)
    }

    /// More than a pipe holds on both streams at once, and more input than a pipe holds:
    /// nothing stalls.
    @Test func largeStreamsInBothDirectionsDoNotStall() throws {
        let input = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        let output = try SpawnedProcess.run(
            executable: "/bin/sh", arguments: ["-c", "wc -c; head -c 300000 /dev/zero; head -c 200000 /dev/zero >&2"], input: input,
            limit: .seconds(60))
        #expect(output.status == 0)
        #expect(output.standardOutput.count == "1048576\n".utf8.count + 300_000)
        #expect(String(decoding: output.standardOutput.prefix(8), as: UTF8.self) == "1048576\n")
        #expect(output.standardError.count == 200_000)
    }

    @Test func aCommandPastItsLimitIsKilled() throws {
        let started = ContinuousClock.now
        let output = try SpawnedProcess.run(executable: "/bin/sleep", arguments: ["60"], limit: .milliseconds(300))
        #expect(output.timedOut)
        #expect(output.status == SIGKILL)
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func environmentAndWorkingDirectoryAreTheChildsOwn() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spawn-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = try SpawnedProcess.run(
            executable: "/bin/sh", arguments: ["-c", "echo \"$ONLY:$HOME:$(pwd)\""], environment: ["ONLY": "this"],
            workingDirectory: dir.path)
        #expect(String(decoding: output.standardOutput, as: UTF8.self) == "this::\(dir.resolvingSymlinksInPath().path)\n")
    }

    /// Descriptors the parent opened without close-on-exec do not leak into the child.
    @Test func theChildGetsOnlyItsThreeStandardDescriptors() throws {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { for fd in fds { close(fd) } }
        let output = try SpawnedProcess.run(executable: "/bin/ls", arguments: ["/proc/self/fd"])
        // ls itself opens the directory it lists (one more descriptor, 3).
        #expect(String(decoding: output.standardOutput, as: UTF8.self).split(separator: "\n").sorted() == ["0", "1", "2", "3"])
    }

    /// A parent that ignores SIGPIPE (every NIO server does) does not pass that on.
    @Test func signalDispositionsAreReset() throws {
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        let output = try SpawnedProcess.run(executable: "/bin/sh", arguments: ["-c", "grep SigIgn /proc/self/status"])
        let mask = String(decoding: output.standardOutput, as: UTF8.self).split(separator: "\t").last.map {
            UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16) ?? 0
        }
        #expect(mask.map { $0 & (1 << (UInt64(SIGPIPE) - 1)) } == 0)
    }

    @Test func aMissingProgramIsATypedError() {
        #expect(throws: SpawnedProcess.SpawnError.spawn(executable: "/nonexistent/program", errno: ENOENT)) {
            try SpawnedProcess.run(executable: "/nonexistent/program", arguments: [])
        }
    }

    @Test func runningSignalledAndReapedOnce() async throws {
        let process = try SpawnedProcess(executable: "/bin/sleep", arguments: ["60"])
        #expect(process.isRunning)
        #expect(process.terminationStatus == nil)
        process.send(SIGTERM)
        async let first = process.exited()
        async let second = process.exited()
        let (a, b) = await (first, second)
        #expect(a == SIGTERM && b == SIGTERM)
        #expect(process.wasSignalled == true)
        #expect(!process.isRunning)
        // Reaped: a later signal is not sent to whatever now has that PID.
        process.send(SIGKILL)
        #expect(process.waitUntilExit() == SIGTERM)
    }

    @Test func outputToAFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spawn-\(UUID().uuidString.prefix(8)).log").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { unlink(path) }
        let process = try SpawnedProcess(
            executable: "/bin/sh", arguments: ["-c", "echo out; echo err >&2"], standardOutput: .descriptor(fd),
            standardError: .descriptor(fd))
        close(fd)
        #expect(process.waitUntilExit() == 0)
        #expect(process.wasSignalled == false)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "out\nerr\n")
    }

    /// Both streams to one file share one descriptor (nothing overwritten); a second run
    /// truncates it, or appends with `append`.
    @Test func outputToANamedFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spawn-\(UUID().uuidString.prefix(8)).log").path
        defer { unlink(path) }
        func run(_ text: String, append: Bool) throws -> SpawnedProcess {
            try SpawnedProcess(
                executable: "/bin/sh", arguments: ["-c", "echo \(text); echo \(text)-err >&2"],
                standardOutput: .file(path, append: append), standardError: .file(path, append: append))
        }
        #expect(try run("out", append: false).waitUntilExit() == 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "out\nout-err\n")
        #expect(try run("again", append: false).waitUntilExit() == 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "again\nagain-err\n")
        #expect(try run("more", append: true).waitUntilExit() == 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "again\nagain-err\nmore\nmore-err\n")
    }

    @Test func anUnopenableFileIsATypedError() {
        #expect(throws: SpawnedProcess.SpawnError.file(path: "/nonexistent/dir/log", errno: ENOENT)) {
            try SpawnedProcess(executable: "/bin/true", arguments: [], standardOutput: .file("/nonexistent/dir/log"))
        }
    }
}
