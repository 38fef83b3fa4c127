import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite struct KubeconfigTests {
    func write(_ text: String, name: String, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kubeconfig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func mergesLikeKubectlFirstFileWins() throws {
        let dir = try tempDir()
        let a = try write(
            """
            apiVersion: v1
            kind: Config
            clusters:
            - {name: one, cluster: {server: "https://a:1", certificate-authority-data: \(Data("CA-A".utf8).base64EncodedString())}}
            users:
            - {name: u, user: {token: token-a}}
            contexts:
            - {name: ctx, context: {cluster: one, user: u, namespace: team}}
            current-context: ctx
            """, name: "a", in: dir)
        let b = try write(
            """
            apiVersion: v1
            kind: Config
            clusters:
            - {name: one, cluster: {server: "https://b:2"}}
            - {name: two, cluster: {server: "https://two:3", insecure-skip-tls-verify: true}}
            users:
            - {name: u2, user: {tokenFile: tok}}
            contexts:
            - {name: other, context: {cluster: two, user: u2}}
            current-context: other
            """, name: "b", in: dir)
        _ = try write("token-from-file\n", name: "tok", in: dir)
        let config = try Kubeconfig.load(paths: [a, b])
        let current = try config.resolve()
        #expect(current == ClientConfiguration(server: "https://a:1", caPEM: "CA-A", token: "token-a", namespace: "team"))
        let other = try config.resolve(context: "other")
        #expect(other.server == "https://two:3")
        #expect(other.insecureSkipTLSVerify)
        #expect(other.token == "token-from-file")
        #expect(other.namespace == "default")
        #expect(throws: Kubeconfig.LoadError.unknownContext("nope")) { try config.resolve(context: "nope") }
    }

    @Test func defaultPathsFollowTheEnvironment() {
        #expect(Kubeconfig.defaultPaths(environment: ["KUBECONFIG": "/a:/b::/c"]) == ["/a", "/b", "/c"])
        #expect(Kubeconfig.defaultPaths(environment: ["HOME": "/home/x"]) == ["/home/x/.kube/config"])
    }

    @Test func reportsBrokenFiles() throws {
        let dir = try tempDir()
        let bad = try write("clusters: [\n", name: "bad", in: dir)
        #expect(throws: Kubeconfig.LoadError.self) { try Kubeconfig.load(paths: [bad]) }
        let empty = try Kubeconfig.load(paths: [dir.appendingPathComponent("missing").path])
        #expect(throws: Kubeconfig.LoadError.noContext) { try empty.resolve() }
    }
}
