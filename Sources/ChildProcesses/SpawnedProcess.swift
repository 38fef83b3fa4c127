import CSpawn
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child process started with posix_spawn.
///
/// Foundation's `Process` on Linux finds the descriptors to close in the child by reading
/// /proc/self/fd with a 256-byte over-read of each entry
/// (swiftlang/swift-corelibs-foundation#5472), which crashes the parent now and then,
/// more often the more descriptors it holds. Here the child closes everything from 3 up
/// with `posix_spawn_file_actions_addclosefrom_np`, gets default signal dispositions and
/// an empty signal mask (a server parent ignores SIGPIPE; its children must not inherit
/// that), and is reaped only through this object, so its PID is never signalled after it
/// was reaped.
public final class SpawnedProcess: Sendable {
    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable {
        /// The parent's own stream.
        case inherit
        /// /dev/null.
        case null
        /// A descriptor of the parent's (a file or a pipe end), duplicated into the child.
        case descriptor(Int32)
        /// A file, created if missing, truncated unless `append`. Streams naming the same
        /// path share one open file (stdout and stderr interleave instead of overwriting).
        case file(String, append: Bool = false)
    }

    public enum SpawnError: Error, CustomStringConvertible, Equatable {
        /// posix_spawn or one of its file actions failed with this errno.
        case spawn(executable: String, errno: Int32)
        /// A pipe could not be opened.
        case descriptors(errno: Int32)
        /// A file for one of the standard streams (or /dev/null) could not be opened.
        case file(path: String, errno: Int32)

        public var description: String {
            switch self {
            case .spawn(let executable, let code): return "cannot start \(executable): \(String(cString: strerror(code)))"
            case .descriptors(let code): return "cannot open descriptors for a child process: \(String(cString: strerror(code)))"
            case .file(let path, let code): return "cannot open \(path) for a child process: \(String(cString: strerror(code)))"
            }
        }
    }

    public let pid: pid_t
    public let executable: String
    /// The raw wait status once the child has been reaped.
    private let reaped = Mutex<Int32?>(nil)

    /// Starts `executable` (a path; no PATH search) with `arguments`. A nil `environment`
    /// passes the parent's on.
    public init(
        executable: String, arguments: [String], environment: [String: String]? = nil, workingDirectory: String? = nil,
        standardInput: Stream = .null, standardOutput: Stream = .inherit, standardError: Stream = .inherit
    ) throws(SpawnError) {
        self.executable = executable
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        // Files opened for the child's streams, one descriptor per path; the child has its
        // own copies once spawned.
        var opened: [String: Int32] = [:]
        defer { for fd in opened.values { close(fd) } }
        func openOnce(_ path: String, _ flags: Int32) throws(SpawnError) -> Int32 {
            if let fd = opened[path] { return fd }
            let fd = open(path, flags | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw .file(path: path, errno: errno) }
            opened[path] = fd
            return fd
        }
        for (stream, target) in [(standardInput, Int32(0)), (standardOutput, 1), (standardError, 2)] {
            switch stream {
            case .inherit: continue
            case .descriptor(let fd):
                posix_spawn_file_actions_adddup2(&actions, fd, target)
            case .null:
                posix_spawn_file_actions_adddup2(&actions, try openOnce("/dev/null", O_RDWR), target)
            case .file(let path, let append):
                let fd = try openOnce(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC))
                posix_spawn_file_actions_adddup2(&actions, fd, target)
            }
        }
        let closing = meridian_spawn_addclosefrom(&actions, 3)
        guard closing == 0 else { throw .spawn(executable: executable, errno: closing) }
        if let workingDirectory {
            let code = meridian_spawn_addchdir(&actions, workingDirectory)
            guard code == 0 else { throw .spawn(executable: executable, errno: code) }
        }

        var defaults = sigset_t()
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = CStrings([executable] + arguments)
        let envp = environment.map { CStrings($0.map { "\($0.key)=\($0.value)" }) }
        defer {
            argv.free()
            envp?.free()
        }
        var child: pid_t = 0
        let code = posix_spawn(&child, executable, &actions, &attributes, argv.pointers, envp?.pointers ?? environ)
        guard code == 0 else { throw .spawn(executable: executable, errno: code) }
        pid = child
    }

    /// Whether the child has not exited yet (reaps it if it has).
    public var isRunning: Bool { reapIfExited() == nil }

    /// The exit code, or the signal number when a signal ended it (as Foundation's
    /// `terminationStatus`); nil while it runs.
    public var terminationStatus: Int32? { reapIfExited().map(Self.code(of:)) }

    /// Whether a signal ended the child; nil while it runs.
    public var wasSignalled: Bool? {
        reapIfExited().map { ($0 & 0x7f) != 0 }
    }

    /// Blocks until the child exits; its `terminationStatus`.
    @discardableResult
    public func waitUntilExit() -> Int32 {
        while true {
            if let status = reapIfExited() { return Self.code(of: status) }
            // Waits without reaping (WNOWAIT), so the reaping and the recording of the
            // status happen together under the lock in `reapIfExited`.
            var info = siginfo_t()
            if waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno != EINTR {
                if let status = reapIfExited() { return Self.code(of: status) }
                return -1  // not our child any more (reaped elsewhere): nothing to wait for
            }
        }
    }

    /// `waitUntilExit` on a thread of its own, leaving the cooperative pool free.
    public func exited() async -> Int32 {
        (try? await offCooperativePool { [self] in waitUntilExit() }) ?? -1
    }

    /// Sends `signal` unless the child has already been reaped (its PID may then belong to
    /// another process).
    public func send(_ signal: Int32) {
        reaped.withLock { status in
            if status == nil { _ = kill(pid, signal) }
        }
    }

    /// SIGKILL, then waits for the child to be gone.
    public func killAndWait() {
        send(SIGKILL)
        waitUntilExit()
    }

    private func reapIfExited() -> Int32? {
        reaped.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            let result = waitpid(pid, &raw, WNOHANG)
            if result == pid {
                status = raw
            } else if result < 0 && errno == ECHILD {
                status = -1 << 8  // reaped by someone else: exited, status unknown
            }
            return status
        }
    }

    private static func code(of status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : signal
    }
}

/// A NULL-terminated array of C strings, freed explicitly.
private struct CStrings {
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointers = .allocate(capacity: strings.count + 1)
        for (i, s) in strings.enumerated() { pointers[i] = strdup(s) }
        pointers[strings.count] = nil
    }

    func free() {
        for i in 0..<count { releaseCString(pointers[i]) }
        pointers.deallocate()
    }
}

private func releaseCString(_ pointer: UnsafeMutablePointer<CChar>?) { free(pointer) }
