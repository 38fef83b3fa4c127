import Foundation
import Yams

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a kubeconfig holding one cluster, user and context of the same name, the way
/// `kubectl config` lays it out.
struct KubeconfigFile {
    var name: String
    var server: String
    var caPEM: String
    var clientCertificatePEM: String?
    var clientKeyPEM: String?
    var token: String?

    func yaml() throws -> String {
        var user: [String: Any] = [:]
        if let c = clientCertificatePEM, let k = clientKeyPEM {
            user["client-certificate-data"] = Data(c.utf8).base64EncodedString()
            user["client-key-data"] = Data(k.utf8).base64EncodedString()
        }
        if let token { user["token"] = token }
        let doc: [String: Any] = [
            "apiVersion": "v1", "kind": "Config", "preferences": [String: Any](),
            "clusters": [
                ["name": name, "cluster": ["server": server, "certificate-authority-data": Data(caPEM.utf8).base64EncodedString()]]
            ],
            "users": [["name": name, "user": user]],
            "contexts": [["name": name, "context": ["cluster": name, "user": name]]],
            "current-context": name,
        ]
        return try Yams.dump(object: doc, sortKeys: true)
    }

    /// Writes atomically with owner-only permissions (it holds credentials).
    func write(to path: String) throws {
        let text = try yaml()
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        try text.write(to: tmp, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: tmp.path)
        guard rename(tmp.path, url.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
