import APIServer
import Foundation
import KubeAPI
import KubeClient

/// The control plane's certificates as the content of its Secret: made once, kept on
/// later runs of `meridian init`, the serving certificate re-issued only when the names
/// the control plane is reached by change.
enum ControlPlaneCredentials {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Credentials for a control plane reached at `hosts`, starting from `existing` (an
    /// earlier run's Secret content; empty for a first run).
    static func make(existing: [String: String], hosts: [String]) throws -> [String: String] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("meridian-init-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pkiDirectory = (directory as NSString).appendingPathComponent("pki")
        do {
            try FileManager.default.createDirectory(
                atPath: pkiDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            for name in PKI.fileNames {
                guard let content = existing[name] else { continue }
                let path = (pkiDirectory as NSString).appendingPathComponent(name)
                guard FileManager.default.createFile(atPath: path, contents: Data(content.utf8), attributes: [.posixPermissions: 0o600])
                else { throw Failure(description: "cannot write \(path)") }
            }
            _ = try PKI.loadOrCreate(directory: directory, hosts: hosts)
            var files: [String: String] = [:]
            for name in PKI.fileNames {
                files[name] = try String(contentsOfFile: (pkiDirectory as NSString).appendingPathComponent(name), encoding: .utf8)
            }
            return files
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "cannot make the control plane's certificates: \(error)")
        }
    }

    /// A Secret's `data`, decoded.
    static func decode(_ secret: JSONValue) -> [String: String] {
        Secret(object: secret).data.mapValues { String(decoding: $0, as: UTF8.self) }
    }
}
