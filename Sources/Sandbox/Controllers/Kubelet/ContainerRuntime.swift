import ChildProcesses
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
        var process: SpawnedProcess
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
        let command = Self.setpriv.map { ($0, ["--pdeathsig", "KILL", "--", executable] + arguments) } ?? (executable, arguments)
        let process: SpawnedProcess
        do {
            process = try SpawnedProcess(
                executable: command.0, arguments: command.1, environment: environment, workingDirectory: workingDirectory,
                standardInput: .null, standardOutput: .file(logPath, append: true), standardError: .file(logPath, append: true))
        } catch {
            throw StartError.launch(error.description)
        }
        Task.detached {
            _ = await process.exited()
            onExit()
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
            code: entry.process.terminationStatus ?? -1, startedAt: entry.startedAt, finishedAt: entry.finishedAt ?? "",
            restarts: entry.restarts)
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
            if now >= deadline { for entry in running.values { entry.process.send(SIGKILL) } }
        } else {
            stopDeadlines[podUID] = now + grace
            for entry in running.values { entry.process.send(SIGTERM) }
        }
        return true
    }

    /// Kills everything (the sandbox is shutting down).
    func stopAll() {
        for entry in containers.values { entry.process.send(SIGKILL) }
        containers.removeAll()
    }

    func knows(podUID: String) -> Bool { containers.keys.contains { $0.podUID == podUID } }
}
