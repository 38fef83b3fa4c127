import Foundation
import KubeAPI

extension Kubeconfig {
    static let execExtensionName = "client.authentication.k8s.io/exec"

    /// One file's entries, with relative paths made absolute against the file's directory.
    static func parse(_ doc: JSONValue, path: String) throws(LoadError) -> Kubeconfig {
        let directory = (path as NSString).deletingLastPathComponent
        func absolute(_ file: String?) -> String? {
            guard let file, !file.isEmpty else { return nil }
            return file.hasPrefix("/") ? file : join(directory, file)
        }
        func nonEmpty(_ value: JSONValue) -> String? {
            value.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        }
        // `*-data` fields are base64 (Go's decoder skips line breaks inside).
        func pem(_ value: JSONValue, _ field: String, _ entry: String) throws(LoadError) -> String? {
            guard let text = nonEmpty(value) else { return nil }
            guard let data = Data(base64Encoded: text.filter { $0 != "\n" && $0 != "\r" }) else {
                throw .invalid(path: path, reason: "\(field) of \(entry) is not valid base64")
            }
            return String(decoding: data, as: UTF8.self)
        }

        var k = Kubeconfig()
        for c in doc["clusters"].arrayValue ?? [] {
            guard let name = c["name"].stringValue else { continue }
            let spec = c["cluster"]
            let execExtension = (spec["extensions"].arrayValue ?? []).first { $0["name"].stringValue == execExtensionName }
            k.clusters[name] = Cluster(
                server: spec["server"].stringValue ?? "",
                certificateAuthorityData: try pem(spec["certificate-authority-data"], "certificate-authority-data", "cluster \(name)"),
                certificateAuthority: absolute(spec["certificate-authority"].stringValue),
                insecureSkipTLSVerify: spec["insecure-skip-tls-verify"].boolValue ?? false,
                tlsServerName: nonEmpty(spec["tls-server-name"]), execExtension: execExtension?["extension"])
        }
        for u in doc["users"].arrayValue ?? [] {
            guard let name = u["name"].stringValue else { continue }
            let spec = u["user"]
            k.users[name] = User(
                clientCertificateData: try pem(spec["client-certificate-data"], "client-certificate-data", "user \(name)"),
                clientCertificate: absolute(spec["client-certificate"].stringValue),
                clientKeyData: try pem(spec["client-key-data"], "client-key-data", "user \(name)"),
                clientKey: absolute(spec["client-key"].stringValue), token: nonEmpty(spec["token"]),
                tokenFile: absolute(spec["tokenFile"].stringValue), exec: parseExec(spec["exec"], directory: directory))
        }
        for c in doc["contexts"].arrayValue ?? [] {
            guard let name = c["name"].stringValue else { continue }
            k.contexts[name] = Context(
                cluster: c["context"]["cluster"].stringValue ?? "", user: c["context"]["user"].stringValue ?? "",
                namespace: nonEmpty(c["context"]["namespace"]))
        }
        k.currentContext = nonEmpty(doc["current-context"])
        return k
    }

    static func join(_ directory: String, _ relative: String) -> String {
        ((directory as NSString).appendingPathComponent(relative) as NSString).standardizingPath
    }

    static func parseExec(_ spec: JSONValue, directory: String) -> ExecCredentialPlugin? {
        guard spec.objectValue != nil else { return nil }
        var command = spec["command"].stringValue ?? ""
        // A bare name is looked up in PATH; anything with a slash is a path (kubectl).
        if command.contains("/"), !command.hasPrefix("/") {
            command = join(directory, command)
        }
        return ExecCredentialPlugin(
            apiVersion: spec["apiVersion"].stringValue ?? "", command: command,
            args: (spec["args"].arrayValue ?? []).compactMap(\.stringValue),
            env: (spec["env"].arrayValue ?? []).compactMap { e in
                e["name"].stringValue.map { ExecCredentialPlugin.EnvVar(name: $0, value: e["value"].stringValue ?? "") }
            },
            interactiveMode: spec["interactiveMode"].stringValue.flatMap { $0.isEmpty ? nil : $0 },
            provideClusterInfo: spec["provideClusterInfo"].boolValue ?? false, installHint: spec["installHint"].stringValue)
    }
}
