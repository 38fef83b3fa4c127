/// Why a token file or exec plugin gave no credential.
public enum CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    case tokenFileUnreadable(path: String, reason: String)
    /// The plugin's program is not in `PATH` or not executable (with the kubeconfig's
    /// `installHint`, if any).
    case execNotFound(command: String, installHint: String?)
    case execLaunchFailed(command: String, reason: String)
    /// `stderr` is the first line the plugin wrote to standard error ("" if none).
    case execFailed(command: String, exitCode: Int32, stderr: String)
    case execInvalidOutput(command: String, reason: String, stderr: String)

    public var description: String {
        switch self {
        case .tokenFileUnreadable(let path, let reason):
            return "cannot read token file \(path): \(reason)"
        case .execNotFound(let command, let hint):
            return "exec plugin \(command) not found" + (hint.map { ": \($0.split(separator: "\n").first ?? "")" } ?? "")
        case .execLaunchFailed(let command, let reason):
            return "exec plugin \(command) could not be started: \(reason)"
        case .execFailed(let command, let code, let stderr):
            return "exec plugin \(command) failed with exit code \(code)" + Self.suffix(stderr)
        case .execInvalidOutput(let command, let reason, let stderr):
            return "exec plugin \(command) returned an invalid ExecCredential: \(reason)" + Self.suffix(stderr)
        }
    }

    static func suffix(_ stderr: String) -> String { stderr.isEmpty ? "" : ": \(stderr)" }
}
