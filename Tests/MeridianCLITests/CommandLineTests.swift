import Foundation
import KubeAPI
import Testing

/// The command line itself: help, version, and one-line errors with non-zero status.
@Suite struct CommandLineTests {
    func meridian(_ args: [String]) throws -> CommandResult { try run(Paths.meridian.path, args) }

    @Test func helpAndVersion() throws {
        let help = try meridian(["apiserver", "--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("  meridian apiserver --data-dir ./data --write-kubeconfig ./kubeconfig\n"))
        let version = try meridian(["version", "-o", "json"])
        #expect(try JSONParser.parse(version.output)["kubernetesAPI"] == "v1.30.0-meridian")
    }

    @Test(arguments: [
        (["apiserver"], "meridian: Missing expected argument '--data-dir <data-dir>' (see 'meridian --help')\n"),
        (
            ["apiserver", "--data-dir", "/tmp/x", "--store", "etcd"],
            "meridian: --store etcd needs --etcd-endpoints (see 'meridian --help')\n"
        ),
        (
            ["serve", "--data-dir", "/tmp/x", "--etcd-endpoints", "http://127.0.0.1:2379"],
            "meridian: the --etcd-* options need --store etcd (see 'meridian --help')\n"
        ),
        (
            ["sandbox", "--name", "s", "--store", "etcd", "--etcd-endpoints", "ftp://e:1"],
            "meridian: --etcd-endpoints: etcd endpoint ftp://e:1: the scheme must be http or https (see 'meridian --help')\n"
        ),
        (
            ["apiserver", "--data-dir", "/tmp/x", "--store", "etcd", "--etcd-endpoints", "https://e:2379", "--etcd-certfile", "c"],
            "meridian: --etcd-certfile and --etcd-keyfile go together (see 'meridian --help')\n"
        ),
        (
            ["apiserver", "--data-dir", "/tmp/x", "--store", "mysql"],
            "meridian: The value 'mysql' is invalid for '--store <store>'. Please provide one of 'sqlite' and 'etcd'. (see 'meridian --help')\n"
        ),
        (
            ["apiserver", "--data-dir", "/tmp/x", "--port", "70000"],
            "meridian: --port must be between 0 and 65535, not 70000 (see 'meridian --help')\n"
        ),
        (["frobnicate"], "meridian: Unexpected argument 'frobnicate' (see 'meridian --help')\n"),
        (["version", "-o", "yaml"], "meridian: --output must be text or json, not yaml (see 'meridian --help')\n"),
    ])
    func usageErrorsAreOneLine(args: [String], expected: String) throws {
        let r = try meridian(args)
        #expect(r.status == 64)
        #expect(r.error == expected)
        #expect(r.output.isEmpty)
    }

    @Test func aSecondServerOnTheSameDataDirectoryIsRefused() throws {
        let first = try MeridianProcess.apiserver()
        let second = try meridian(["apiserver", "--data-dir", first.dataDir.path, "--port", "0"])
        #expect(second.status == 1)
        #expect(
            second.error
                == "meridian: cannot open the store in \(first.dataDir.path): \(first.dataDir.path)/store.db is in use by another process\n"
        )
        #expect(try first.kubectl(["get", "--raw", "/readyz"]).output == "ok")
    }
}
