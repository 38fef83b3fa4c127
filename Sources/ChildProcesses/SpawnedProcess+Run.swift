import CSpawn

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension SpawnedProcess {
    /// What a program run to completion printed, and how it ended.
    public struct Output: Sendable {
        /// Exit code, or the signal number when a signal ended it.
        public var status: Int32
        public var standardOutput: [UInt8]
        public var standardError: [UInt8]
        /// Whether it was killed for running past its limit.
        public var timedOut: Bool
    }

    /// Runs a program to its end, feeding it `input` and collecting both output streams
    /// (through one poll loop on the caller's thread, so neither pipe can fill up and stall
    /// the child). One still running after `limit` is killed (SIGKILL). Blocks the caller:
    /// from async code use `offCooperativePool`.
    public static func run(
        executable: String, arguments: [String], environment: [String: String]? = nil, workingDirectory: String? = nil,
        input: [UInt8] = [], limit: Duration? = nil
    ) throws(SpawnError) -> Output {
        let stdin = try Pipe()
        let stdout = try Pipe()
        let stderr = try Pipe()
        let process: SpawnedProcess
        do {
            process = try SpawnedProcess(
                executable: executable, arguments: arguments, environment: environment, workingDirectory: workingDirectory,
                standardInput: .descriptor(stdin.read), standardOutput: .descriptor(stdout.write),
                standardError: .descriptor(stderr.write))
        } catch {
            for fd in [stdin.read, stdin.write, stdout.read, stdout.write, stderr.read, stderr.write] { close(fd) }
            throw error
        }
        // The child has its copies; the parent keeps only its own ends, so EOF arrives
        // when the child (and anything it started that kept them) is gone.
        for fd in [stdin.read, stdout.write, stderr.write] { close(fd) }
        defer {
            close(stdout.read)
            close(stderr.read)
        }
        var feed = Feeder(fd: stdin.write, bytes: input)
        var out: [UInt8] = []
        var err: [UInt8] = []
        var open = [stdout.read, stderr.read]
        let deadline = limit.map { ContinuousClock.now + $0 }
        var timedOut = false
        // After a kill, descendants of the child may still hold the pipes; read what is
        // there for a few seconds, then stop.
        var giveUp: ContinuousClock.Instant?
        while !open.isEmpty || feed.fd >= 0 {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if feed.fd >= 0 { fds.append(pollfd(fd: feed.fd, events: Int16(POLLOUT), revents: 0)) }
            let until = [deadline.flatMap { timedOut ? nil : $0 }, giveUp].compactMap { $0 }.min()
            let timeout = until.map { max(0, Int32(min(($0 - ContinuousClock.now).milliseconds, 60_000))) } ?? -1
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 && errno != EINTR { break }
            let now = ContinuousClock.now
            if let deadline, !timedOut, now >= deadline {
                timedOut = true
                process.send(SIGKILL)
                giveUp = now + .seconds(5)
            }
            if let giveUp, now >= giveUp { break }
            for entry in fds where entry.revents != 0 {
                if entry.fd == feed.fd {
                    feed.writeSome()
                } else {
                    let more = entry.fd == stdout.read ? drain(entry.fd, into: &out) : drain(entry.fd, into: &err)
                    if !more { open.removeAll { $0 == entry.fd } }
                }
            }
        }
        feed.finish()
        let status = process.waitUntilExit()
        return Output(status: status, standardOutput: out, standardError: err, timedOut: timedOut)
    }

    /// Reads what is available; false at EOF or on an error.
    private static func drain(_ fd: Int32, into buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 {
            buffer += chunk[0..<n]
            return true
        }
        return n < 0 && (errno == EINTR || errno == EAGAIN)
    }

    /// A pipe whose both ends are close-on-exec (the child gets only the dup2'd copies).
    private struct Pipe {
        var read: Int32
        var write: Int32

        init() throws(SpawnError) {
            var fds: [Int32] = [-1, -1]
            guard meridian_pipe_cloexec(&fds) == 0 else { throw .descriptors(errno: errno) }
            read = fds[0]
            write = fds[1]
        }
    }

    /// Writes `bytes` to the child's stdin without blocking, then closes it.
    private struct Feeder {
        var fd: Int32
        let bytes: [UInt8]
        var offset = 0

        init(fd: Int32, bytes: [UInt8]) {
            self.bytes = bytes
            self.fd = fd
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            if bytes.isEmpty { finish() }
        }

        mutating func writeSome() {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n > 0 { offset += n }
            // EPIPE: the child does not read its input; that is its business.
            if offset >= bytes.count || (n < 0 && errno != EAGAIN && errno != EINTR) { finish() }
        }

        mutating func finish() {
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }
}

extension Duration {
    fileprivate var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
