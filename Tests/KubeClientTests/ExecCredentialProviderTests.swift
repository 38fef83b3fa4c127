import Foundation
import KubeAPI
import KubeClient
import Testing

/// A plugin script in its own directory: it prints `response` (which the test rewrites),
/// appends a line to `calls` per run and records what it was given.
struct FakePlugin {
    let dir: URL
    var command: String { dir.appendingPathComponent("plugin").path }

    init(exitCode: Int = 0, stderr: String = "") throws {
        dir = try Scratch.directory("exec-plugin")
        try Scratch.write(
            """
            #!/bin/sh
            dir=$(dirname "$0")
            echo run >> "$dir/calls"
            printf '%s' "$KUBERNETES_EXEC_INFO" > "$dir/info"
            printf '%s|%s|%s' "$PLUGIN_VAR" "$BASE_VAR" "$*" > "$dir/seen"
            printf '\(stderr)' >&2
            cat "$dir/response"
            exit \(exitCode)
            """, name: "plugin", in: dir, mode: 0o755)
        try respond(#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t"}}"#)
    }

    func respond(_ json: String) throws { try Scratch.write(json, name: "response", in: dir) }

    func respond(token: String, expiration: String? = nil, apiVersion: String = "client.authentication.k8s.io/v1") throws {
        let expiry = expiration.map { #","expirationTimestamp":"\#($0)""# } ?? ""
        try respond(#"{"apiVersion":"\#(apiVersion)","kind":"ExecCredential","status":{"token":"\#(token)"\#(expiry)}}"#)
    }

    var runs: Int { ((try? Scratch.read(dir.appendingPathComponent("calls").path)) ?? "").split(separator: "\n").count }
    var info: String { (try? Scratch.read(dir.appendingPathComponent("info").path)) ?? "" }
    var seen: String { (try? Scratch.read(dir.appendingPathComponent("seen").path)) ?? "" }

    func plugin(apiVersion: String = "client.authentication.k8s.io/v1", args: [String] = [], provideClusterInfo: Bool = false)
        -> ExecCredentialPlugin
    {
        ExecCredentialPlugin(
            apiVersion: apiVersion, command: command, args: args, env: [.init(name: "PLUGIN_VAR", value: "from kubeconfig")],
            provideClusterInfo: provideClusterInfo, installHint: "see the docs\nsecond line",
            cluster: .init(server: "https://h:1", tlsServerName: "api", certificateAuthorityPEM: "CA", config: ["audience": "a"]))
    }

    func provider(_ plugin: ExecCredentialPlugin? = nil) -> ExecCredentialProvider {
        ExecCredentialProvider(plugin: plugin ?? self.plugin(), environment: ["PATH": "/usr/bin:/bin", "BASE_VAR": "inherited"])
    }
}

@Suite struct ExecCredentialProviderTests {
    @Test func runsThePluginWithArgsEnvironmentAndExecInfo() async throws {
        let fake = try FakePlugin()
        let credential = try await fake.provider(fake.plugin(args: ["get-token", "two words"])).credential()
        #expect(credential == Credential(token: "t"))
        #expect(fake.seen == "from kubeconfig|inherited|get-token two words")
        #expect(fake.info == #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}"#)
    }

    @Test func sendsClusterInfoOnlyWhenAsked() async throws {
        let fake = try FakePlugin()
        try fake.respond(token: "t", apiVersion: "client.authentication.k8s.io/v1beta1")
        _ = try await fake.provider(fake.plugin(apiVersion: "client.authentication.k8s.io/v1beta1", provideClusterInfo: true)).credential()
        #expect(
            fake.info
                == #"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","spec":{"#
                + #""cluster":{"certificate-authority-data":"Q0E=","config":{"audience":"a"},"server":"https://h:1","tls-server-name":"api"},"#
                + #""interactive":false}}"#)
    }

    @Test func cachesUntilExpiryThenRunsAgain() async throws {
        let fake = try FakePlugin()
        let provider = fake.provider()
        try fake.respond(token: "expired", expiration: "2000-01-01T00:00:00Z")
        // An already expired credential still serves the request that fetched it.
        #expect(try await provider.credential().token == "expired")
        #expect(fake.runs == 1)
        try fake.respond(token: "fresh", expiration: "2999-01-01T00:00:00+01:00")
        let fresh = try await provider.credential()
        #expect(fresh == Credential(token: "fresh", expiration: Timestamp.parse("2998-12-31T23:00:00Z")))
        #expect(fake.runs == 2)
        try fake.respond(token: "unused")
        #expect(try await provider.credential().token == "fresh")
        #expect(try await provider.credential().token == "fresh")
        #expect(fake.runs == 2)
        // A 401 for the cached credential makes the next call run the plugin again.
        await provider.rejected(fresh)
        #expect(try await provider.credential().token == "unused")
        #expect(fake.runs == 3)
        // A credential without expiry is kept; reporting an older one changes nothing.
        await provider.rejected(fresh)
        #expect(try await provider.credential().token == "unused")
        #expect(fake.runs == 3)
    }

    @Test func concurrentCallersShareOneRun() async throws {
        let fake = try FakePlugin()
        let provider = fake.provider()
        let tokens = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<8 { group.addTask { try await provider.credential().token } }
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(tokens == Array(repeating: "t", count: 8))
        #expect(fake.runs == 1)
    }

    @Test func returnsClientCertificates() async throws {
        let fake = try FakePlugin()
        try fake.respond(
            #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"CERT\n","clientKeyData":"KEY\n"}}"#
        )
        #expect(try await fake.provider().credential() == Credential(clientCertificatePEM: "CERT\n", clientKeyPEM: "KEY\n"))
    }

    @Test func failingPluginNamesTheCommandAndTheFirstStderrLine() async throws {
        let fake = try FakePlugin(exitCode: 3, stderr: "token expired, log in again\\nmore detail\\n")
        let expected = CredentialError.execFailed(command: fake.command, exitCode: 3, stderr: "token expired, log in again")
        await #expect(throws: expected) { try await fake.provider().credential() }
        #expect(expected.description == "exec plugin \(fake.command) failed with exit code 3: token expired, log in again")
        // Failures are not cached.
        await #expect(throws: expected) { try await fake.provider().credential() }
        #expect(fake.runs == 2)
    }

    @Test func rejectsMalformedCredentials() async throws {
        let fake = try FakePlugin(stderr: "warning: old plugin\\n")
        let cases: [(String, String)] = [
            ("not json", "stdout is not JSON (invalid literal at offset 0)"),
            (
                #"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}}"#,
                #"configured for apiVersion client.authentication.k8s.io/v1, the plugin returned "client.authentication.k8s.io/v1beta1""#
            ),
            (
                #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"Pod","status":{"token":"t"}}"#,
                #"kind is "Pod", not "ExecCredential""#
            ),
            (#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"}"#, "no status field"),
            (
                #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}}"#,
                "neither a token nor a client certificate and key"
            ),
            (
                #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientKeyData":"K"}}"#,
                "a client certificate or key without the other"
            ),
            (
                #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"soon"}}"#,
                "expirationTimestamp soon is not RFC 3339"
            ),
        ]
        for (output, reason) in cases {
            try fake.respond(output)
            await #expect(throws: CredentialError.execInvalidOutput(command: fake.command, reason: reason, stderr: "warning: old plugin")) {
                try await fake.provider().credential()
            }
        }
        #expect(
            CredentialError.execInvalidOutput(command: "p", reason: "no status field", stderr: "").description
                == "exec plugin p returned an invalid ExecCredential: no status field")
    }

    @Test func missingPluginReportsTheInstallHint() async throws {
        let fake = try FakePlugin()
        var plugin = fake.plugin()
        plugin.command = "meridian-no-such-plugin"
        let expected = CredentialError.execNotFound(command: "meridian-no-such-plugin", installHint: "see the docs\nsecond line")
        await #expect(throws: expected) { try await fake.provider(plugin).credential() }
        #expect(expected.description == "exec plugin meridian-no-such-plugin not found: see the docs")
    }
}

@Suite struct TokenFileCredentialProviderTests {
    @Test func rereadsTheFileAndKeepsTheLastGoodToken() async throws {
        let dir = try Scratch.directory("token-file")
        let path = try Scratch.write("one\n", name: "token", in: dir)
        let provider = TokenFileCredentialProvider(path: path, fallbackToken: "static", refreshInterval: .zero)
        #expect(try await provider.credential() == Credential(token: "one"))
        try Scratch.write("two", name: "token", in: dir)
        #expect(try await provider.credential() == Credential(token: "two"))
        try FileManager.default.removeItem(atPath: path)
        #expect(try await provider.credential() == Credential(token: "two"))

        // Within the refresh interval the file is not read again.
        let cached = TokenFileCredentialProvider(path: try Scratch.write("first", name: "other", in: dir))
        #expect(try await cached.credential().token == "first")
        try Scratch.write("second", name: "other", in: dir)
        #expect(try await cached.credential().token == "first")
    }

    @Test func fallsBackToTheStaticTokenThenFails() async throws {
        let dir = try Scratch.directory("token-file")
        let missing = dir.appendingPathComponent("missing").path
        #expect(try await TokenFileCredentialProvider(path: missing, fallbackToken: "static").credential().token == "static")
        let empty = try Scratch.write("\n", name: "empty", in: dir)
        await #expect(throws: CredentialError.tokenFileUnreadable(path: empty, reason: "the file is empty")) {
            try await TokenFileCredentialProvider(path: empty).credential()
        }
    }
}
