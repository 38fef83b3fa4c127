import Foundation
import KubeAPI

/// Credentials from an exec plugin, cached until their `expirationTimestamp` (forever when
/// the plugin sets none) and fetched again after that or after the server rejects them.
/// Concurrent callers share one run of the plugin.
public actor ExecCredentialProvider: CredentialProvider {
    public nonisolated let plugin: ExecCredentialPlugin
    let environment: [String: String]
    var cached: Credential?
    var running: Task<Credential, any Error>?

    /// `environment` is the one the plugin inherits (the process's by default); the
    /// plugin's `env` entries and `KUBERNETES_EXEC_INFO` are added to it.
    public init(plugin: ExecCredentialPlugin, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.plugin = plugin
        self.environment = environment
    }

    public func credential() async throws(CredentialError) -> Credential {
        if let cached, !Self.expired(cached, at: Date()) { return cached }
        let task: Task<Credential, any Error>
        if let running {
            task = running
        } else {
            let (plugin, environment) = (plugin, environment)
            task = Task { try await Self.run(plugin, environment: environment) }
            running = task
        }
        do {
            let credential = try await task.value
            // Only the caller that started the run (or the first to finish) records it.
            if running == task {
                running = nil
                cached = credential
            }
            return credential
        } catch {
            if running == task { running = nil }
            // `run` throws only CredentialError.
            throw error as? CredentialError ?? .execLaunchFailed(command: plugin.command, reason: "\(error)")
        }
    }

    public func rejected(_ credential: Credential) async {
        if cached == credential { cached = nil }
    }

    /// An expired credential is still used for the request that fetched it (client-go).
    static func expired(_ credential: Credential, at now: Date) -> Bool {
        guard let expiration = credential.expiration else { return false }
        return now >= expiration
    }

    static func run(_ plugin: ExecCredentialPlugin, environment: [String: String]) async throws(CredentialError) -> Credential {
        var env = environment
        for variable in plugin.env { env[variable.name] = variable.value }
        env["KUBERNETES_EXEC_INFO"] = plugin.execInfo.serializedString()
        let output: ChildProcess.Output
        do {
            // The program is found with the inherited PATH, not one the plugin's env sets (Go's exec).
            output = try await ChildProcess.run(
                plugin.command, arguments: plugin.args, environment: env, searchPath: environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin")
        } catch {
            switch error {
            case .notFound: throw .execNotFound(command: plugin.command, installHint: plugin.installHint)
            case .launch(let reason): throw .execLaunchFailed(command: plugin.command, reason: reason)
            }
        }
        let stderr = String(decoding: output.stderr, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard output.status == 0 else { throw .execFailed(command: plugin.command, exitCode: output.status, stderr: stderr) }
        do throws(ExecCredentialParser.Problem) {
            return try ExecCredentialParser.parse(output.stdout, apiVersion: plugin.apiVersion)
        } catch {
            throw .execInvalidOutput(command: plugin.command, reason: error.reason, stderr: stderr)
        }
    }
}

/// Reads the `ExecCredential` a plugin prints, with client-go's checks.
enum ExecCredentialParser {
    struct Problem: Error {
        var reason: String
    }

    static func parse(_ stdout: Data, apiVersion: String) throws(Problem) -> Credential {
        let doc: JSONValue
        do {
            doc = try JSONParser.parse(Array(stdout))
        } catch {
            throw Problem(reason: "stdout is not JSON (\(error))")
        }
        guard doc.objectValue != nil else { throw Problem(reason: "stdout is not a JSON object") }
        guard doc["kind"].stringValue == "ExecCredential" else {
            throw Problem(reason: "kind is \(doc["kind"].stringValue.map { "\"\($0)\"" } ?? "missing"), not \"ExecCredential\"")
        }
        let returned = doc["apiVersion"].stringValue ?? ""
        guard returned == apiVersion else {
            throw Problem(reason: "configured for apiVersion \(apiVersion), the plugin returned \"\(returned)\"")
        }
        let status = doc["status"]
        guard status.objectValue != nil else { throw Problem(reason: "no status field") }
        func field(_ name: String) -> String? { status[name].stringValue.flatMap { $0.isEmpty ? nil : $0 } }
        let token = field("token")
        let cert = field("clientCertificateData")
        let key = field("clientKeyData")
        guard token != nil || cert != nil || key != nil else { throw Problem(reason: "neither a token nor a client certificate and key") }
        guard (cert == nil) == (key == nil) else { throw Problem(reason: "a client certificate or key without the other") }
        var expiration: Date?
        if let text = field("expirationTimestamp") {
            guard let date = Timestamp.parse(text) else { throw Problem(reason: "expirationTimestamp \(text) is not RFC 3339") }
            expiration = date
        }
        return Credential(token: token, clientCertificatePEM: cert, clientKeyPEM: key, expiration: expiration)
    }
}
