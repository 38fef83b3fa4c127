import Foundation
import KubeAPI

/// A kubeconfig as kubectl reads it: one or more files merged (the first file to set a
/// cluster, user, context or the current context wins), then a context chosen.
///
/// Loading only parses; files a cluster or user refers to (certificates, keys, token files)
/// are read by `resolve`, for the context in use only, as kubectl does.
public struct Kubeconfig: Sendable {
    public struct Cluster: Sendable, Equatable {
        public var server: String
        /// PEM text (decoded from `certificate-authority-data`).
        public var certificateAuthorityData: String?
        /// Absolute path of `certificate-authority`.
        public var certificateAuthority: String?
        public var insecureSkipTLSVerify: Bool
        public var tlsServerName: String?
        /// The `extensions` entry named `client.authentication.k8s.io/exec`, handed to exec
        /// plugins that ask for cluster info.
        public var execExtension: JSONValue?
    }
    public struct User: Sendable, Equatable {
        /// PEM text (decoded from `client-certificate-data`).
        public var clientCertificateData: String?
        /// Absolute path of `client-certificate`.
        public var clientCertificate: String?
        public var clientKeyData: String?
        public var clientKey: String?
        public var token: String?
        /// Absolute path of `tokenFile`.
        public var tokenFile: String?
        public var exec: ExecCredentialPlugin?
    }
    public struct Context: Sendable, Equatable {
        public var cluster: String
        public var user: String
        public var namespace: String?
    }

    public var clusters: [String: Cluster] = [:]
    public var users: [String: User] = [:]
    public var contexts: [String: Context] = [:]
    public var currentContext: String?

    public enum LoadError: Error, Sendable, Equatable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case invalid(path: String, reason: String)
        /// A certificate, key or token file the kubeconfig names.
        case unreadableFile(path: String, reason: String)
        /// `--kubeconfig` named a file that does not exist.
        case missingFile(String)
        case noContext
        case unknownContext(String)
        case incomplete(String)
        /// Two settings of one entry that kubectl refuses to combine.
        case conflicting(String)
        case invalidExec(user: String, reason: String)
        public var description: String {
            switch self {
            case .unreadable(let p, let r): return "cannot read kubeconfig \(p): \(r)"
            case .invalid(let p, let r): return "kubeconfig \(p) is invalid: \(r)"
            case .unreadableFile(let p, let r): return "cannot read \(p), named in the kubeconfig: \(r)"
            case .missingFile(let p): return "kubeconfig \(p) does not exist"
            case .noContext: return "no context is set in the kubeconfig; use --context"
            case .unknownContext(let c): return "context \"\(c)\" does not exist in the kubeconfig"
            case .incomplete(let what): return "kubeconfig is incomplete: \(what)"
            case .conflicting(let what): return "kubeconfig is inconsistent: \(what)"
            case .invalidExec(let u, let r): return "exec plugin of user \"\(u)\": \(r)"
            }
        }
    }

    public init() {}

    /// The files kubectl would read: `$KUBECONFIG` (colon-separated, duplicates dropped) or
    /// `~/.kube/config`.
    public static func defaultPaths(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            var seen = Set<String>()
            return list.split(separator: ":").map(String.init).filter { !$0.isEmpty && seen.insert($0).inserted }
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return [(home as NSString).appendingPathComponent(".kube/config")]
    }

    /// kubectl's loading rules: `--kubeconfig` (`explicitPath`) reads only that file, which
    /// must exist; otherwise every existing file of `$KUBECONFIG`, or `~/.kube/config` if it
    /// exists. No file at all gives an empty kubeconfig.
    public static func load(
        explicitPath: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(LoadError) -> Kubeconfig {
        if let explicitPath, !explicitPath.isEmpty {
            guard FileManager.default.fileExists(atPath: explicitPath) else { throw .missingFile(explicitPath) }
            return try load(paths: [explicitPath])
        }
        return try load(paths: defaultPaths(environment: environment))
    }

    /// The file kubectl would write a context named `context` to: `--kubeconfig` when
    /// given; else the first file of the chain that already defines that context, else the
    /// first file that exists, else the last of the chain (created).
    public static func writeTarget(
        explicitPath: String?, context: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        if let explicitPath, !explicitPath.isEmpty { return explicitPath }
        let paths = defaultPaths(environment: environment)
        let existing = paths.filter { FileManager.default.fileExists(atPath: $0) }
        if let defining = existing.first(where: { (try? load(paths: [$0]))?.contexts[context] != nil }) { return defining }
        return existing.first ?? paths.last ?? (NSHomeDirectory() as NSString).appendingPathComponent(".kube/config")
    }

    /// Merges the files that exist, in order (missing ones are skipped).
    public static func load(paths: [String]) throws(LoadError) -> Kubeconfig {
        var merged = Kubeconfig()
        for path in paths where FileManager.default.fileExists(atPath: path) {
            // Relative references resolve against the file's directory, so the file's own
            // path must not depend on the working directory later.
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            let text: String
            do {
                text = try String(contentsOfFile: absolute, encoding: .utf8)
            } catch {
                throw .unreadable(path: path, reason: error.localizedDescription)
            }
            let doc: JSONValue
            do {
                doc = try YAMLDecoding.decode(text)
            } catch {
                throw .invalid(path: path, reason: error.message)
            }
            merged.mergeKeepingExisting(try parse(doc, path: absolute))
        }
        return merged
    }

    /// kubectl's merge: entries already present win.
    mutating func mergeKeepingExisting(_ other: Kubeconfig) {
        clusters.merge(other.clusters) { existing, _ in existing }
        users.merge(other.users) { existing, _ in existing }
        contexts.merge(other.contexts) { existing, _ in existing }
        if currentContext == nil { currentContext = other.currentContext }
    }
}
