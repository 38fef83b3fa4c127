import ArgumentParser
import Foundation

/// The `meridian` command.
public struct Meridian: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "meridian",
        abstract: "Kubernetes cluster federation in one binary.",
        discussion: """
            Examples:
              meridian up                                    # a local federation with two members
              meridian apiserver --data-dir ./data --write-kubeconfig ./kubeconfig
              kubectl --kubeconfig ./kubeconfig get namespaces
            """,
        version: MeridianVersion.version,
        subcommands: [
            UpCommand.self, InitCommand.self, JoinCommand.self, UnjoinCommand.self, ServeCommand.self, APIServerCommand.self,
            SandboxCommand.self,
            VersionCommand.self,
        ]
    )

    public init() {}

    /// Runs the command line: `--help` and `--version` print in full; every error is one
    /// line on stderr (`meridian: ...`) with a non-zero exit status.
    public static func runMain(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch is CancellationError {
            // Services stopping on SIGTERM/SIGINT end with cancellation: a clean exit.
            return 0
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                return 0
            }
            var line = CLIErrors.describe(error) ?? message(for: error)
            line = line.replacingOccurrences(of: "\n", with: "; ")
            if code == .validationFailure { line += " (see 'meridian --help')" }
            FileHandle.standardError.write(Data("meridian: \(line)\n".utf8))
            return code.rawValue
        }
    }
}

public enum MeridianVersion {
    public static let version = "0.1.0"
}
