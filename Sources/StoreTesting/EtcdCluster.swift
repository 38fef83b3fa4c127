import ChildProcesses
import Foundation
import TestPorts

#if canImport(Glibc)
    import Glibc
#endif

/// Real etcd members on loopback for tests: ephemeral ports, a temporary directory,
/// killed by PID when the cluster is stopped or released.
public final class EtcdCluster: @unchecked Sendable {
    // @unchecked: `members` is mutated only by the test that owns the cluster, one call at
    // a time (start, stop and restart run synchronously on the caller's task).

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public struct Member {
        public let name: String
        public let clientPort: Int
        public let peerPort: Int
        /// Plain-HTTP /health (and /metrics), whether or not clients use TLS.
        public let metricsPort: Int
        public let dataDir: URL
        let secure: Bool
        public var clientURL: String { "\(secure ? "https" : "http")://127.0.0.1:\(clientPort)" }
        var process: SpawnedProcess?
    }

    /// With TLS: the CA that signed etcd's serving certificate, and a client certificate
    /// etcd requires.
    public struct TLSFiles: Sendable {
        public let caFile: String
        public let certFile: String
        public let keyFile: String
    }

    /// The etcd binary, or nil when etcd is not installed (tests skip then).
    public static let binary: String? = ["/usr/bin/etcd", "/usr/local/bin/etcd"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    public static let skipReason = "etcd is not installed (apt-get install etcd-server)"

    public private(set) var members: [Member]
    public let directory: URL
    public let tls: TLSFiles?
    private let token = "meridian-\(UUID().uuidString.prefix(8))"

    /// Starts `size` members and waits until every one reports healthy; with `tls`,
    /// clients must connect over TLS with a client certificate.
    public init(members size: Int = 1, tls: Bool = false, timeout: Duration = .seconds(60)) throws {
        guard Self.binary != nil else { throw Failure(description: "\(Self.skipReason)") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("meridian-etcd-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.tls = tls ? try Self.makeCertificates(in: directory) : nil
        let ports = try Self.freePorts(3 * size)
        members = (0..<size).map { i in
            Member(
                name: "m\(i)", clientPort: ports[3 * i], peerPort: ports[3 * i + 1], metricsPort: ports[3 * i + 2],
                dataDir: directory.appendingPathComponent("m\(i)"), secure: tls, process: nil)
        }
        for i in members.indices { try launch(i) }
        for i in members.indices { try waitUntilHealthy(i, timeout: timeout) }
    }

    /// `init(members:tls:timeout:)` for async callers: the wait for etcd to become healthy
    /// happens off the cooperative pool.
    public static func start(members size: Int = 1, tls: Bool = false, timeout: Duration = .seconds(60)) async throws
        -> EtcdCluster
    {
        try await offCooperativePool { try EtcdCluster(members: size, tls: tls, timeout: timeout) }
    }

    deinit { stopAll() }

    /// Client URLs of every member, comma-separated (the `--etcd-endpoints` form).
    public var endpoints: String { members.map(\.clientURL).joined(separator: ",") }

    private func launch(_ i: Int) throws {
        let m = members[i]
        let cluster = members.map { "\($0.name)=http://127.0.0.1:\($0.peerPort)" }.joined(separator: ",")
        var arguments = [
            "--name", m.name, "--data-dir", m.dataDir.path,
            "--listen-client-urls", m.clientURL, "--advertise-client-urls", m.clientURL,
            "--listen-peer-urls", "http://127.0.0.1:\(m.peerPort)",
            "--initial-advertise-peer-urls", "http://127.0.0.1:\(m.peerPort)",
            "--initial-cluster", cluster, "--initial-cluster-token", token, "--initial-cluster-state", "new",
            "--heartbeat-interval", "50", "--election-timeout", "500", "--logger", "zap", "--log-level", "warn",
            "--listen-metrics-urls", "http://127.0.0.1:\(m.metricsPort)",
        ]
        if let tls {
            arguments += ["--cert-file", tls.certFile, "--key-file", tls.keyFile, "--trusted-ca-file", tls.caFile, "--client-cert-auth"]
        }
        let log = directory.appendingPathComponent("\(m.name).log").path
        let process = try SpawnedProcess(
            executable: Self.binary!, arguments: arguments, standardOutput: .file(log, append: true),
            standardError: .file(log, append: true))
        members[i].process = process
    }

    public func log(_ i: Int) -> String {
        (try? String(contentsOf: directory.appendingPathComponent("\(members[i].name).log"), encoding: .utf8)) ?? ""
    }

    /// Polls the member's /health until it answers healthy.
    public func waitUntilHealthy(_ i: Int, timeout: Duration = .seconds(60)) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            // Any member exiting fails the wait: a 3-member cluster never gets healthy without it.
            for j in members.indices {
                if let process = members[j].process, !process.isRunning {
                    throw Failure(description: "etcd \(members[j].name) exited with \(process.terminationStatus ?? -1): \(log(j))")
                }
            }
            if let body = Self.httpGet(port: members[i].metricsPort, path: "/health"), body.contains("\"health\":\"true\"") { return }
            usleep(20_000)
        }
        throw Failure(description: "etcd \(members[i].name) did not become healthy: \(log(i))")
    }

    /// Stops one member (SIGKILL by default, SIGTERM for a clean stop) and waits for it.
    public func stop(_ i: Int, signal: Int32 = SIGKILL) {
        guard let process = members[i].process else { return }
        process.send(signal)
        process.waitUntilExit()
        members[i].process = nil
    }

    /// Freezes a member (SIGSTOP): its connections stay open and nothing answers, as with
    /// a hung process or a stalled disk. `resume` lets it go on.
    public func pause(_ i: Int) {
        guard let process = members[i].process, process.isRunning else { return }
        process.send(SIGSTOP)
    }

    public func resume(_ i: Int) {
        guard let process = members[i].process else { return }
        process.send(SIGCONT)
    }

    /// Starts a stopped member again on the same ports and data, and waits until healthy
    /// (off the cooperative pool).
    public func restart(_ i: Int, timeout: Duration = .seconds(60)) async throws {
        try await offCooperativePool { [self] in
            try launch(i)
            try waitUntilHealthy(i, timeout: timeout)
        }
    }

    public func stopAll() {
        for i in members.indices { stop(i) }
        try? FileManager.default.removeItem(at: directory)
    }

    /// A CA, a serving certificate for 127.0.0.1 and localhost (etcd uses it for clients
    /// too) and its key, made with openssl.
    static func makeCertificates(in directory: URL) throws -> TLSFiles {
        let dir = directory.path
        let script = """
            set -e
            cd '\(dir)'
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=meridian-test-ca -keyout ca.key -out ca.crt 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -subj /CN=etcd -keyout etcd.key -out etcd.csr 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth,clientAuth\\n' > ext.cnf
            openssl x509 -req -in etcd.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf -out etcd.crt 2>/dev/null
            """
        guard (try? SpawnedProcess.run(executable: "/bin/sh", arguments: ["-c", script]))?.status == 0 else {
            throw Failure(description: "openssl could not make test certificates")
        }
        return TLSFiles(caFile: "\(dir)/ca.crt", certFile: "\(dir)/etcd.crt", keyFile: "\(dir)/etcd.key")
    }

    /// Ports free right now on 127.0.0.1, distinct and never handed out before in this process
    /// (`LoopbackPorts`: below the ephemeral range, so no outgoing connection takes one
    /// between this check and etcd binding it).
    public static func freePorts(_ count: Int) throws -> [Int] { try LoopbackPorts.free(count) }

    /// A plain HTTP/1.0 GET on loopback; nil when nothing answers.
    static func httpGet(port: Int, path: String) -> String? {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard s >= 0 else { return nil }
        defer { close(s) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { return nil }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard send(s, request, request.count, 0) == request.count else { return nil }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(s, &buffer, buffer.count, 0)
            if n <= 0 { break }
            response += buffer[0..<n]
        }
        return response.isEmpty ? nil : String(decoding: response, as: UTF8.self)
    }
}
