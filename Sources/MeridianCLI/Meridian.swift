import ArgumentParser

/// The `meridian` command.
public struct Meridian: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "meridian",
        abstract: "Kubernetes cluster federation in one binary.",
        discussion: """
            Examples:
              meridian apiserver --data-dir ./data --port 0 --write-kubeconfig ./kubeconfig
              kubectl --kubeconfig ./kubeconfig get namespaces
            """,
        version: MeridianVersion.version,
        subcommands: [APIServerCommand.self, VersionCommand.self]
    )

    public init() {}
}

public enum MeridianVersion {
    public static let version = "0.1.0"
}
