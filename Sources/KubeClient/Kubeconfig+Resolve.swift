import Foundation

extension Kubeconfig {
    /// The connection settings of a context (the current one by default), with the files it
    /// refers to read and kubectl's consistency checks applied.
    public func resolve(context name: String? = nil) throws(LoadError) -> ClientConfiguration {
        guard let contextName = name ?? currentContext else { throw .noContext }
        guard let context = contexts[contextName] else { throw .unknownContext(contextName) }
        guard let cluster = clusters[context.cluster] else {
            throw .incomplete("context \(contextName) names cluster \(context.cluster), which is not defined")
        }
        guard !cluster.server.isEmpty else { throw .incomplete("cluster \(context.cluster) has no server") }
        let ca = try Self.pick(
            data: cluster.certificateAuthorityData, file: cluster.certificateAuthority, field: "certificate-authority",
            entry: context.cluster)
        if ca != nil, cluster.insecureSkipTLSVerify {
            throw .conflicting("cluster \(context.cluster) sets both insecure-skip-tls-verify and a certificate authority")
        }

        // A context without a (defined) user connects anonymously.
        let user = users[context.user] ?? User()
        let cert = try Self.pick(
            data: user.clientCertificateData, file: user.clientCertificate, field: "client-certificate", entry: context.user)
        let key = try Self.pick(data: user.clientKeyData, file: user.clientKey, field: "client-key", entry: context.user)
        if (cert == nil) != (key == nil) {
            throw .incomplete("user \(context.user) needs both a client certificate and a client key")
        }
        var token = user.token
        if token == nil, let file = user.tokenFile {
            token = try Self.read(file).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var exec = user.exec
        if var plugin = exec {
            if let problem = plugin.problem() { throw .invalidExec(user: context.user, reason: problem) }
            if plugin.provideClusterInfo {
                plugin.cluster = .init(
                    server: cluster.server, tlsServerName: cluster.tlsServerName, insecureSkipTLSVerify: cluster.insecureSkipTLSVerify,
                    certificateAuthorityPEM: ca, config: cluster.execExtension)
            }
            exec = plugin
        }
        return ClientConfiguration(
            server: cluster.server, caPEM: ca, clientCertificatePEM: cert, clientKeyPEM: key, token: token,
            insecureSkipTLSVerify: cluster.insecureSkipTLSVerify, tlsServerName: cluster.tlsServerName,
            namespace: context.namespace ?? "default", tokenFile: user.tokenFile, exec: exec)
    }

    /// `X-data` or the file `X` names; kubectl refuses both at once.
    static func pick(data: String?, file: String?, field: String, entry: String) throws(LoadError) -> String? {
        if data != nil, file != nil {
            throw .conflicting("\(field)-data and \(field) are both specified for \(entry)")
        }
        if let file { return try read(file) }
        return data
    }

    static func read(_ path: String) throws(LoadError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadableFile(path: path, reason: error.localizedDescription)
        }
    }
}
