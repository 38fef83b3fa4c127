import Foundation
import KubeAPI
import KubeClient

#if canImport(Glibc)
    import Glibc
#endif

/// Real processes for the containers of process pods: started with their log file as
/// stdout/stderr, dying with the sandbox (`setpriv --pdeathsig KILL` where available),
/// stopped with SIGTERM and, after the grace period, SIGKILL. Exits are reported through
/// `onExit` (the kubelet's queue) and read back with `state(of:)`.
actor ContainerRuntime {
    struct ContainerID: Hashable, Sendable {
        var podUID: String
        var container: String
    }

    enum State: Sendable, Equatable {
        case running(startedAt: String, restarts: Int64)
        case exited(code: Int32, startedAt: String, finishedAt: String, restarts: Int64)
    }

    private struct Entry {
        var process: Process
        var startedAt: String
        var restarts: Int64
        var finishedAt: String?
    }

    private var containers: [ContainerID: Entry] = [:]
    private var stopDeadlines: [String: ContinuousClock.Instant] = [:]
    private static let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) }

    enum StartError: Error, CustomStringConvertible {
        case launch(String)
        var description: String {
            switch self {
            case .launch(let m): return m
            }
        }
    }

    /// Starts (or restarts) a container; `onExit` runs on any thread when it exits.
    func start(
        _ id: ContainerID, executable: String, arguments: [String], environment: [String: String], workingDirectory: String,
        logPath: String, onExit: @escaping @Sendable () -> Void
    ) throws -> String {
        let restarts = containers[id].map { $0.restarts + 1 } ?? 0
        if !FileManager.default.fileExists(atPath: logPath) { FileManager.default.createFile(atPath: logPath, contents: nil) }
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw StartError.launch("cannot open log \(logPath)") }
        log.seekToEndOfFile()
        let process = Process()
        if let setpriv = Self.setpriv {
            process.executableURL = URL(fileURLWithPath: setpriv)
            process.arguments = ["--pdeathsig", "KILL", "--", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = { _ in
            try? log.close()
            onExit()
        }
        do {
            try process.run()
        } catch {
            try? log.close()
            throw StartError.launch("cannot start \(executable): \(error.localizedDescription)")
        }
        let startedAt = Timestamp.now()
        containers[id] = Entry(process: process, startedAt: startedAt, restarts: restarts)
        return startedAt
    }

    func state(of id: ContainerID) -> State? {
        guard var entry = containers[id] else { return nil }
        if entry.process.isRunning { return .running(startedAt: entry.startedAt, restarts: entry.restarts) }
        if entry.finishedAt == nil {
            entry.finishedAt = Timestamp.now()
            containers[id] = entry
        }
        return .exited(
            code: entry.process.terminationStatus, startedAt: entry.startedAt, finishedAt: entry.finishedAt ?? "", restarts: entry.restarts)
    }

    /// Whether any container of the pod still runs; asks them to stop (SIGTERM), and after
    /// `grace` forces them (SIGKILL).
    func stop(podUID: String, grace: Duration) -> Bool {
        let running = containers.filter { $0.key.podUID == podUID && $0.value.process.isRunning }
        if running.isEmpty {
            stopDeadlines[podUID] = nil
            for id in containers.keys where id.podUID == podUID { containers[id] = nil }
            return false
        }
        let now = ContinuousClock.now
        if let deadline = stopDeadlines[podUID] {
            if now >= deadline { for entry in running.values { kill(entry.process.processIdentifier, SIGKILL) } }
        } else {
            stopDeadlines[podUID] = now + grace
            for entry in running.values { kill(entry.process.processIdentifier, SIGTERM) }
        }
        return true
    }

    /// Kills everything (the sandbox is shutting down).
    func stopAll() {
        for entry in containers.values where entry.process.isRunning { kill(entry.process.processIdentifier, SIGKILL) }
        containers.removeAll()
    }

    func knows(podUID: String) -> Bool { containers.keys.contains { $0.podUID == podUID } }
}
