import APIServer
import ArgumentParser
import KubeAPI

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print Meridian's version.",
        discussion: "Examples:\n  meridian version\n  meridian version -o json")

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: String = "text"

    func validate() throws {
        guard ["text", "json"].contains(output) else { throw ValidationError("--output must be text or json, not \(output)") }
    }

    func run() throws {
        if output == "json" {
            let json: JSONValue = [
                "meridian": .string(MeridianVersion.version), "kubernetesAPI": .string(VersionInfo.gitVersion),
            ]
            print(json.serializedString())
        } else {
            print("meridian \(MeridianVersion.version) (Kubernetes API \(VersionInfo.gitVersion))")
        }
    }
}
