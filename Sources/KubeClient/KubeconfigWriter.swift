import Foundation
import Yams

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Adds or updates entries of one kubeconfig file, like `kubectl config set-cluster`,
/// `set-credentials`, `set-context` and `use-context`.
///
/// Everything else in the file stays as it was: other entries and their order, unknown keys
/// (`preferences`, `extensions`, exec blocks), key order. An updated entry keeps its place
/// and its keys; a new entry is appended. Fields left nil are not changed.
public enum KubeconfigWriter {
    public struct Cluster: Sendable, Equatable {
        public var name: String
        public var server: String?
        /// Written as `certificate-authority-data`; removes `certificate-authority` and
        /// `insecure-skip-tls-verify` (kubectl does the same).
        public var certificateAuthorityPEM: String?
        /// `true` removes the certificate authority; `false` removes the key.
        public var insecureSkipTLSVerify: Bool?
        public var tlsServerName: String?

        public init(
            name: String, server: String? = nil, certificateAuthorityPEM: String? = nil, insecureSkipTLSVerify: Bool? = nil,
            tlsServerName: String? = nil
        ) {
            self.name = name
            self.server = server
            self.certificateAuthorityPEM = certificateAuthorityPEM
            self.insecureSkipTLSVerify = insecureSkipTLSVerify
            self.tlsServerName = tlsServerName
        }
    }

    public struct User: Sendable, Equatable {
        public var name: String
        /// Written as `token`; removes `tokenFile`, whose content would otherwise win.
        public var token: String?
        /// Written as `client-certificate-data` / `client-key-data` (both or neither);
        /// removes `client-certificate` / `client-key`.
        public var clientCertificatePEM: String?
        public var clientKeyPEM: String?

        public init(name: String, token: String? = nil, clientCertificatePEM: String? = nil, clientKeyPEM: String? = nil) {
            self.name = name
            self.token = token
            self.clientCertificatePEM = clientCertificatePEM
            self.clientKeyPEM = clientKeyPEM
        }
    }

    public struct Context: Sendable, Equatable {
        public var name: String
        public var cluster: String?
        public var user: String?
        public var namespace: String?

        public init(name: String, cluster: String? = nil, user: String? = nil, namespace: String? = nil) {
            self.name = name
            self.cluster = cluster
            self.user = user
            self.namespace = namespace
        }
    }

    public enum WriteError: Error, Sendable, Equatable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case invalid(path: String, reason: String)
        /// The entries asked for contradict themselves.
        case invalidEntry(String)
        /// `<path>.lock` exists: kubectl (or another writer) is changing the file.
        case locked(path: String)
        case writeFailed(path: String, reason: String)

        public var description: String {
            switch self {
            case .unreadable(let p, let r): return "cannot read kubeconfig \(p): \(r)"
            case .invalid(let p, let r): return "kubeconfig \(p) is invalid: \(r)"
            case .invalidEntry(let r): return "cannot write the kubeconfig entry: \(r)"
            case .locked(let p): return "kubeconfig \(p) is locked by another writer (remove \(p).lock if none is running)"
            case .writeFailed(let p, let r): return "cannot write kubeconfig \(p): \(r)"
            }
        }
    }

    /// Applies the given entries to the file at `path` (created with mode 0600, and its
    /// directory, if missing), then sets `current-context` to `currentContext` if given.
    /// The file is replaced atomically, holding kubectl's `<path>.lock` meanwhile.
    public static func upsert(
        path: String, cluster: Cluster? = nil, user: User? = nil, context: Context? = nil, currentContext: String? = nil
    ) throws(WriteError) {
        try validate(cluster: cluster, user: user, context: context, currentContext: currentContext)
        // Follow a symlinked kubeconfig so the link itself survives the rename.
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let directory = (target as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .writeFailed(path: path, reason: error.localizedDescription)
        }
        try withLock(target) { () throws(WriteError) in
            var document = try read(target)
            if let cluster { apply(cluster, to: &document) }
            if let user { apply(user, to: &document) }
            if let context { apply(context, to: &document) }
            if let currentContext { document.setCurrentContext(currentContext) }
            let text: String
            do {
                text = try document.yaml()
            } catch {
                throw .writeFailed(path: path, reason: "\(error)")
            }
            try replace(target, with: Array(text.utf8))
        }
    }

    static func validate(cluster: Cluster?, user: User?, context: Context?, currentContext: String?) throws(WriteError) {
        for name in [cluster?.name, user?.name, context?.name, currentContext] where name?.isEmpty == true {
            throw .invalidEntry("names must not be empty")
        }
        if let cluster, cluster.certificateAuthorityPEM != nil, cluster.insecureSkipTLSVerify == true {
            throw .invalidEntry("cluster \(cluster.name): a certificate authority and insecure-skip-tls-verify exclude each other")
        }
        if let user, (user.clientCertificatePEM == nil) != (user.clientKeyPEM == nil) {
            throw .invalidEntry("user \(user.name): a client certificate needs its key and the other way round")
        }
    }

    // Fields are applied in alphabetical order so a new entry's keys come out sorted, as
    // kubectl writes them.
    static func apply(_ cluster: Cluster, to document: inout KubeconfigDocument) {
        document.upsert(section: "clusters", specKey: "cluster", name: cluster.name) { spec in
            if let ca = cluster.certificateAuthorityPEM {
                spec["certificate-authority"] = nil
                spec["certificate-authority-data"] = KubeconfigDocument.string(Data(ca.utf8).base64EncodedString())
                spec["insecure-skip-tls-verify"] = nil
            }
            if let insecure = cluster.insecureSkipTLSVerify {
                if insecure {
                    spec["certificate-authority"] = nil
                    spec["certificate-authority-data"] = nil
                }
                spec["insecure-skip-tls-verify"] = insecure ? KubeconfigDocument.bool(true) : nil
            }
            if let server = cluster.server { spec["server"] = KubeconfigDocument.string(server) }
            if let name = cluster.tlsServerName { spec["tls-server-name"] = KubeconfigDocument.string(name) }
        }
    }

    static func apply(_ user: User, to document: inout KubeconfigDocument) {
        document.upsert(section: "users", specKey: "user", name: user.name) { spec in
            if let cert = user.clientCertificatePEM, let key = user.clientKeyPEM {
                spec["client-certificate"] = nil
                spec["client-certificate-data"] = KubeconfigDocument.string(Data(cert.utf8).base64EncodedString())
                spec["client-key"] = nil
                spec["client-key-data"] = KubeconfigDocument.string(Data(key.utf8).base64EncodedString())
            }
            if let token = user.token {
                spec["token"] = KubeconfigDocument.string(token)
                spec["tokenFile"] = nil
            }
        }
    }

    static func apply(_ context: Context, to document: inout KubeconfigDocument) {
        document.upsert(section: "contexts", specKey: "context", name: context.name) { spec in
            if let cluster = context.cluster { spec["cluster"] = KubeconfigDocument.string(cluster) }
            if let namespace = context.namespace { spec["namespace"] = KubeconfigDocument.string(namespace) }
            if let user = context.user { spec["user"] = KubeconfigDocument.string(user) }
        }
    }

    static func read(_ path: String) throws(WriteError) -> KubeconfigDocument {
        guard FileManager.default.fileExists(atPath: path) else { return KubeconfigDocument() }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        do {
            return try KubeconfigDocument(yaml: text)
        } catch {
            throw .invalid(path: path, reason: error.reason)
        }
    }

    /// kubectl's lock: `<path>.lock` created exclusively, removed when done.
    static func withLock(_ path: String, _ body: () throws(WriteError) -> Void) throws(WriteError) {
        let lock = path + ".lock"
        let fd = open(lock, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw .locked(path: path) }
            throw .writeFailed(path: path, reason: "cannot create \(lock): \(String(cString: strerror(errno)))")
        }
        close(fd)
        defer { unlink(lock) }
        try body()
    }

    /// Writes a temporary file next to `path` (owner-only, or the existing file's mode),
    /// flushes it and renames it over `path`.
    static func replace(_ path: String, with bytes: [UInt8]) throws(WriteError) {
        var mode: mode_t = 0o600
        var info = stat()
        if stat(path, &info) == 0 { mode = info.st_mode & 0o7777 }
        let temp = "\(path).\(UUID().uuidString.prefix(8)).tmp"
        let fd = open(temp, O_CREAT | O_EXCL | O_WRONLY, mode)
        guard fd >= 0 else { throw .writeFailed(path: path, reason: "cannot create \(temp): \(String(cString: strerror(errno)))") }
        var failure: String?
        // open() applies the umask; the mode must be exact.
        if fchmod(fd, mode) != 0 { failure = String(cString: strerror(errno)) }
        var written = 0
        while failure == nil, written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                failure = String(cString: strerror(errno))
            } else {
                written += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if failure == nil, rename(temp, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temp)
            throw .writeFailed(path: path, reason: failure)
        }
    }
}
