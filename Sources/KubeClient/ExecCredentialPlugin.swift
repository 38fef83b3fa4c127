import Foundation
import KubeAPI

/// A `users[].user.exec` block: a program that prints an `ExecCredential` (client-go's
/// credential plugin protocol, `client.authentication.k8s.io/v1` or `v1beta1`).
public struct ExecCredentialPlugin: Sendable, Equatable {
    public struct EnvVar: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// What the plugin may learn about the cluster (`spec.cluster` of the ExecCredential it
    /// is given), sent only when `provideClusterInfo` is true.
    public struct ClusterInfo: Sendable, Equatable {
        public var server: String
        public var tlsServerName: String?
        public var insecureSkipTLSVerify: Bool
        public var certificateAuthorityPEM: String?
        /// The cluster's `extensions` entry named `client.authentication.k8s.io/exec`.
        public var config: JSONValue?

        public init(
            server: String, tlsServerName: String? = nil, insecureSkipTLSVerify: Bool = false, certificateAuthorityPEM: String? = nil,
            config: JSONValue? = nil
        ) {
            self.server = server
            self.tlsServerName = tlsServerName
            self.insecureSkipTLSVerify = insecureSkipTLSVerify
            self.certificateAuthorityPEM = certificateAuthorityPEM
            self.config = config
        }
    }

    public static let supportedAPIVersions = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]

    public var apiVersion: String
    /// A program name looked up in `PATH`, or a path (a relative one is resolved against the
    /// kubeconfig file that names it, as kubectl does).
    public var command: String
    public var args: [String]
    public var env: [EnvVar]
    /// `Never`, `IfAvailable` or `Always`; required for v1, `IfAvailable` by default for v1beta1.
    public var interactiveMode: String?
    public var provideClusterInfo: Bool
    public var installHint: String?
    /// Filled in by `Kubeconfig.resolve` when `provideClusterInfo` is true.
    public var cluster: ClusterInfo?

    public init(
        apiVersion: String, command: String, args: [String] = [], env: [EnvVar] = [], interactiveMode: String? = "Never",
        provideClusterInfo: Bool = false, installHint: String? = nil, cluster: ClusterInfo? = nil
    ) {
        self.apiVersion = apiVersion
        self.command = command
        self.args = args
        self.env = env
        self.interactiveMode = interactiveMode
        self.provideClusterInfo = provideClusterInfo
        self.installHint = installHint
        self.cluster = cluster
    }

    /// client-go's checks, made when the user is used; nil when the block is usable.
    /// Meridian never runs plugins interactively, so `Always` cannot be satisfied.
    func problem() -> String? {
        guard Self.supportedAPIVersions.contains(apiVersion) else { return "invalid apiVersion \"\(apiVersion)\"" }
        if command.isEmpty { return "command must be specified" }
        switch interactiveMode {
        case nil:
            if apiVersion == Self.supportedAPIVersions[0] { return "interactiveMode must be specified for \(apiVersion)" }
        case "Never", "IfAvailable": break
        case "Always": return "interactiveMode Always needs a terminal, and plugins run without one"
        case let mode?: return "invalid interactiveMode \"\(mode)\""
        }
        return nil
    }

    /// The `KUBERNETES_EXEC_INFO` the plugin is given.
    var execInfo: JSONValue {
        var spec: [String: JSONValue] = ["interactive": false]
        if provideClusterInfo, let cluster {
            var c: [String: JSONValue] = ["server": .string(cluster.server)]
            if let name = cluster.tlsServerName { c["tls-server-name"] = .string(name) }
            if cluster.insecureSkipTLSVerify { c["insecure-skip-tls-verify"] = true }
            if let ca = cluster.certificateAuthorityPEM { c["certificate-authority-data"] = .string(Data(ca.utf8).base64EncodedString()) }
            if let config = cluster.config { c["config"] = config }
            spec["cluster"] = .object(c)
        }
        return ["apiVersion": .string(apiVersion), "kind": "ExecCredential", "spec": .object(spec)]
    }
}
