import Foundation
import KubeAPI

/// A kubeconfig as kubectl reads it: one or more files merged (the first file to set a
/// cluster, user, context or the current context wins), then a context chosen.
public struct Kubeconfig: Sendable {
    public struct Cluster: Sendable, Equatable {
        public var server: String
        public var certificateAuthorityData: String?
        public var insecureSkipTLSVerify: Bool
        public var tlsServerName: String?
    }
    public struct User: Sendable, Equatable {
        public var clientCertificateData: String?
        public var clientKeyData: String?
        public var token: String?
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
        case noContext
        case unknownContext(String)
        case incomplete(String)
        public var description: String {
            switch self {
            case .unreadable(let p, let r): return "cannot read kubeconfig \(p): \(r)"
            case .invalid(let p, let r): return "kubeconfig \(p) is invalid: \(r)"
            case .noContext: return "no context is set in the kubeconfig; use --context"
            case .unknownContext(let c): return "context \"\(c)\" does not exist in the kubeconfig"
            case .incomplete(let what): return "kubeconfig is incomplete: \(what)"
            }
        }
    }

    public init() {}

    /// The files kubectl would read: `$KUBECONFIG` (colon-separated) or `~/.kube/config`.
    public static func defaultPaths(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            return list.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return [(home as NSString).appendingPathComponent(".kube/config")]
    }

    public static func load(paths: [String]) throws(LoadError) -> Kubeconfig {
        var merged = Kubeconfig()
        for path in paths where FileManager.default.fileExists(atPath: path) {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw .unreadable(path: path, reason: error.localizedDescription)
            }
            let doc: JSONValue
            do {
                doc = try YAMLDecoding.decode(text)
            } catch {
                throw .invalid(path: path, reason: error.message)
            }
            merged.mergeKeepingExisting(try parse(doc, path: path))
        }
        return merged
    }

    static func readFile(_ path: String, relativeTo config: String) throws(LoadError) -> String {
        let full = path.hasPrefix("/") ? path : ((config as NSString).deletingLastPathComponent as NSString).appendingPathComponent(path)
        do {
            return try String(contentsOfFile: full, encoding: .utf8)
        } catch {
            throw .unreadable(path: full, reason: error.localizedDescription)
        }
    }

    static func parse(_ doc: JSONValue, path: String) throws(LoadError) -> Kubeconfig {
        var k = Kubeconfig()
        for c in doc["clusters"].arrayValue ?? [] {
            guard let name = c["name"].stringValue else { continue }
            let spec = c["cluster"]
            var ca = spec["certificate-authority-data"].stringValue.flatMap { Data(base64Encoded: $0) }.map {
                String(decoding: $0, as: UTF8.self)
            }
            if ca == nil, let file = spec["certificate-authority"].stringValue { ca = try readFile(file, relativeTo: path) }
            k.clusters[name] = Cluster(
                server: spec["server"].stringValue ?? "", certificateAuthorityData: ca,
                insecureSkipTLSVerify: spec["insecure-skip-tls-verify"].boolValue ?? false,
                tlsServerName: spec["tls-server-name"].stringValue)
        }
        for u in doc["users"].arrayValue ?? [] {
            guard let name = u["name"].stringValue else { continue }
            let spec = u["user"]
            func pem(_ dataKey: String, _ fileKey: String) throws(LoadError) -> String? {
                if let d = spec[dataKey].stringValue.flatMap({ Data(base64Encoded: $0) }) { return String(decoding: d, as: UTF8.self) }
                if let f = spec[fileKey].stringValue { return try readFile(f, relativeTo: path) }
                return nil
            }
            var token = spec["token"].stringValue
            if token == nil, let f = spec["tokenFile"].stringValue {
                token = try readFile(f, relativeTo: path).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            k.users[name] = User(
                clientCertificateData: try pem("client-certificate-data", "client-certificate"),
                clientKeyData: try pem("client-key-data", "client-key"), token: token)
        }
        for c in doc["contexts"].arrayValue ?? [] {
            guard let name = c["name"].stringValue else { continue }
            k.contexts[name] = Context(
                cluster: c["context"]["cluster"].stringValue ?? "", user: c["context"]["user"].stringValue ?? "",
                namespace: c["context"]["namespace"].stringValue)
        }
        k.currentContext = doc["current-context"].stringValue.flatMap { $0.isEmpty ? nil : $0 }
        return k
    }

    /// kubectl's merge: entries already present win.
    mutating func mergeKeepingExisting(_ other: Kubeconfig) {
        clusters.merge(other.clusters) { existing, _ in existing }
        users.merge(other.users) { existing, _ in existing }
        contexts.merge(other.contexts) { existing, _ in existing }
        if currentContext == nil { currentContext = other.currentContext }
    }

    /// The connection settings of a context (the current one by default).
    public func resolve(context name: String? = nil) throws(LoadError) -> ClientConfiguration {
        guard let contextName = name ?? currentContext else { throw .noContext }
        guard let context = contexts[contextName] else { throw .unknownContext(contextName) }
        guard let cluster = clusters[context.cluster] else {
            throw .incomplete("context \(contextName) names cluster \(context.cluster), which is not defined")
        }
        let user = users[context.user] ?? User()
        return ClientConfiguration(
            server: cluster.server, caPEM: cluster.certificateAuthorityData, clientCertificatePEM: user.clientCertificateData,
            clientKeyPEM: user.clientKeyData, token: user.token, insecureSkipTLSVerify: cluster.insecureSkipTLSVerify,
            tlsServerName: cluster.tlsServerName, namespace: context.namespace ?? "default")
    }
}

/// Everything needed to talk to one API server.
public struct ClientConfiguration: Sendable, Equatable {
    public var server: String
    public var caPEM: String?
    public var clientCertificatePEM: String?
    public var clientKeyPEM: String?
    public var token: String?
    public var insecureSkipTLSVerify: Bool
    public var tlsServerName: String?
    public var namespace: String

    public init(
        server: String, caPEM: String? = nil, clientCertificatePEM: String? = nil, clientKeyPEM: String? = nil, token: String? = nil,
        insecureSkipTLSVerify: Bool = false, tlsServerName: String? = nil, namespace: String = "default"
    ) {
        self.server = server
        self.caPEM = caPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.token = token
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.tlsServerName = tlsServerName
        self.namespace = namespace
    }
}
