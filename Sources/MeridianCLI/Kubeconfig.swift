import Foundation
import Yams

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a kubeconfig the way `kubectl config` lays it out: for each entry a cluster, a
/// user and a context of the same name; the first entry is the current context.
struct KubeconfigFile {
    struct Entry {
        var name: String
        var server: String
        var caPEM: String
        var clientCertificatePEM: String?
        var clientKeyPEM: String?
        var token: String?
    }
    var entries: [Entry]

    init(entries: [Entry]) {
        self.entries = entries
    }

    init(
        name: String, server: String, caPEM: String, clientCertificatePEM: String? = nil, clientKeyPEM: String? = nil, token: String? = nil
    ) {
        self.init(
            entries: [
                Entry(
                    name: name, server: server, caPEM: caPEM, clientCertificatePEM: clientCertificatePEM, clientKeyPEM: clientKeyPEM,
                    token: token)
            ])
    }

    func yaml() throws -> String {
        func user(_ e: Entry) -> [String: Any] {
            var user: [String: Any] = [:]
            if let c = e.clientCertificatePEM, let k = e.clientKeyPEM {
                user["client-certificate-data"] = Data(c.utf8).base64EncodedString()
                user["client-key-data"] = Data(k.utf8).base64EncodedString()
            }
            if let token = e.token { user["token"] = token }
            return user
        }
        let doc: [String: Any] = [
            "apiVersion": "v1", "kind": "Config", "preferences": [String: Any](),
            "clusters": entries.map { e in
                ["name": e.name, "cluster": ["server": e.server, "certificate-authority-data": Data(e.caPEM.utf8).base64EncodedString()]]
            },
            "users": entries.map { ["name": $0.name, "user": user($0)] },
            "contexts": entries.map { ["name": $0.name, "context": ["cluster": $0.name, "user": $0.name]] },
            "current-context": entries.first?.name ?? "",
        ]
        return try Yams.dump(object: doc, sortKeys: true)
    }

    /// Writes atomically with owner-only permissions (it holds credentials).
    func write(to path: String) throws {
        let text = try yaml()
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        // Created owner-only from the start: the file holds private keys.
        try? FileManager.default.removeItem(at: tmp)
        guard FileManager.default.createFile(atPath: tmp.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: tmp.path])
        }
        guard rename(tmp.path, url.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
