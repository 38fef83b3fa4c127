import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite struct KubeconfigTests {
    @Test func mergesLikeKubectlFirstFileWins() throws {
        let dir = try Scratch.directory()
        let a = try Scratch.write(
            """
            apiVersion: v1
            kind: Config
            clusters:
            - {name: one, cluster: {server: "https://a:1", certificate-authority-data: \(Scratch.base64("CA-A"))}}
            users:
            - {name: u, user: {token: token-a}}
            contexts:
            - {name: ctx, context: {cluster: one, user: u, namespace: team}}
            current-context: ctx
            """, name: "a", in: dir)
        let b = try Scratch.write(
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
        try Scratch.write("token-from-file\n", name: "tok", in: dir)
        let config = try Kubeconfig.load(paths: [a, b])
        let current = try config.resolve()
        #expect(current == ClientConfiguration(server: "https://a:1", caPEM: "CA-A", token: "token-a", namespace: "team"))
        let other = try config.resolve(context: "other")
        #expect(
            other
                == ClientConfiguration(
                    server: "https://two:3", token: "token-from-file", insecureSkipTLSVerify: true,
                    tokenFile: dir.appendingPathComponent("tok").path))
        #expect(throws: Kubeconfig.LoadError.unknownContext("nope")) { try config.resolve(context: "nope") }
    }

    @Test func defaultPathsFollowTheEnvironment() {
        #expect(Kubeconfig.defaultPaths(environment: ["KUBECONFIG": "/a:/b::/c:/a"]) == ["/a", "/b", "/c"])
        #expect(Kubeconfig.defaultPaths(environment: ["HOME": "/home/x"]) == ["/home/x/.kube/config"])
    }

    func singleContext(server: String, namespace: String) -> String {
        """
        clusters: [{name: c, cluster: {server: "\(server)"}}]
        contexts: [{name: x, context: {cluster: c, namespace: \(namespace)}}]
        current-context: x
        """
    }

    @Test func explicitPathBeatsKUBECONFIGWhichBeatsHome() throws {
        let dir = try Scratch.directory()
        let home = dir.appendingPathComponent("home").path
        try Scratch.write(singleContext(server: "https://home:1", namespace: "h"), name: "home/.kube/config", in: dir)
        let listed = try Scratch.write(singleContext(server: "https://listed:1", namespace: "l"), name: "listed", in: dir)
        let explicit = try Scratch.write(singleContext(server: "https://explicit:1", namespace: "e"), name: "explicit", in: dir)
        let missing = dir.appendingPathComponent("missing").path

        let fromHome = try Kubeconfig.load(explicitPath: nil, environment: ["HOME": home]).resolve()
        #expect(fromHome.server == "https://home:1")
        // Files of the list that do not exist are skipped; the home file is not read.
        let fromList = try Kubeconfig.load(explicitPath: nil, environment: ["HOME": home, "KUBECONFIG": "\(missing):\(listed)"])
        #expect(try fromList.resolve().server == "https://listed:1")
        let fromExplicit = try Kubeconfig.load(explicitPath: explicit, environment: ["HOME": home, "KUBECONFIG": listed])
        #expect(try fromExplicit.resolve() == ClientConfiguration(server: "https://explicit:1", namespace: "e"))
        #expect(throws: Kubeconfig.LoadError.missingFile(missing)) {
            try Kubeconfig.load(explicitPath: missing, environment: ["HOME": home])
        }
        let nothing = try Kubeconfig.load(explicitPath: nil, environment: ["HOME": missing])
        #expect(throws: Kubeconfig.LoadError.noContext) { try nothing.resolve() }
        #expect(Kubeconfig.LoadError.missingFile(missing).description == "kubeconfig \(missing) does not exist")
    }

    @Test func relativeReferencesResolveAgainstTheFileThatNamesThem() throws {
        let dir = try Scratch.directory()
        try Scratch.write("CA", name: "certs/ca.pem", in: dir)
        try Scratch.write("CERT", name: "certs/client.pem", in: dir)
        try Scratch.write("KEY", name: "certs/client.key", in: dir)
        try Scratch.write(" tok \n", name: "certs/token", in: dir)
        let config = try Scratch.write(
            """
            clusters:
            - name: c
              cluster: {server: "https://h:1", certificate-authority: ../certs/ca.pem, tls-server-name: api.internal}
            users:
            - name: certs
              user: {client-certificate: ../certs/client.pem, client-key: ../certs/client.key}
            - name: tokens
              user: {tokenFile: ../certs/token}
            - name: plugin
              user:
                exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ./bin/plugin, args: [a]}
            - name: onpath
              user:
                exec: {apiVersion: client.authentication.k8s.io/v1, command: plugin-on-path, interactiveMode: Never}
            contexts:
            - {name: certs, context: {cluster: c, user: certs}}
            - {name: tokens, context: {cluster: c, user: tokens}}
            - {name: plugin, context: {cluster: c, user: plugin}}
            - {name: onpath, context: {cluster: c, user: onpath}}
            """, name: "conf/config", in: dir)
        // Relative to conf/, where the file is, not to the working directory.
        let kubeconfig = try Kubeconfig.load(paths: [config])
        let certs = try kubeconfig.resolve(context: "certs")
        #expect(certs.caPEM == "CA")
        #expect(certs.clientCertificatePEM == "CERT")
        #expect(certs.clientKeyPEM == "KEY")
        #expect(certs.tlsServerName == "api.internal")
        let tokens = try kubeconfig.resolve(context: "tokens")
        #expect(tokens.token == "tok")
        #expect(tokens.tokenFile == dir.appendingPathComponent("certs/token").path)
        let plugin = try kubeconfig.resolve(context: "plugin")
        #expect(plugin.exec?.command == dir.appendingPathComponent("conf/bin/plugin").path)
        #expect(plugin.exec?.interactiveMode == nil)
        #expect(try kubeconfig.resolve(context: "onpath").exec?.command == "plugin-on-path")
    }

    @Test func referencedFilesAreReadOnlyForTheContextInUse() throws {
        let dir = try Scratch.directory()
        let config = try Scratch.write(
            """
            clusters:
            - {name: good, cluster: {server: "https://good:1"}}
            - {name: broken, cluster: {server: "https://broken:1", certificate-authority: gone.pem}}
            contexts:
            - {name: good, context: {cluster: good}}
            - {name: broken, context: {cluster: broken}}
            """, name: "config", in: dir)
        let kubeconfig = try Kubeconfig.load(paths: [config])
        #expect(try kubeconfig.resolve(context: "good").server == "https://good:1")
        #expect {
            try kubeconfig.resolve(context: "broken")
        } throws: { error in
            guard case .unreadableFile(let path, _) = error as? Kubeconfig.LoadError else { return false }
            return path == dir.appendingPathComponent("gone.pem").path
        }
    }

    @Test func rejectsWhatKubectlRejects() throws {
        let dir = try Scratch.directory()
        try Scratch.write("CA", name: "ca.pem", in: dir)
        let config = try Scratch.write(
            """
            clusters:
            - {name: both, cluster: {server: "https://a:1", certificate-authority: ca.pem, certificate-authority-data: \(Scratch.base64("CA"))}}
            - {name: insecure, cluster: {server: "https://a:1", insecure-skip-tls-verify: true, certificate-authority: ca.pem}}
            - {name: noserver, cluster: {}}
            - {name: ok, cluster: {server: "https://a:1"}}
            users:
            - {name: halfcert, user: {client-certificate-data: \(Scratch.base64("CERT"))}}
            - {name: v1nomode, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: x}}}
            - {name: alpha, user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}}}
            - {name: always, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: x, interactiveMode: Always}}}
            contexts:
            - {name: both, context: {cluster: both}}
            - {name: insecure, context: {cluster: insecure}}
            - {name: noserver, context: {cluster: noserver}}
            - {name: nocluster, context: {cluster: ghost}}
            - {name: halfcert, context: {cluster: ok, user: halfcert}}
            - {name: v1nomode, context: {cluster: ok, user: v1nomode}}
            - {name: alpha, context: {cluster: ok, user: alpha}}
            - {name: always, context: {cluster: ok, user: always}}
            """, name: "config", in: dir)
        let k = try Kubeconfig.load(paths: [config])
        let expected: [(String, Kubeconfig.LoadError)] = [
            ("both", .conflicting("certificate-authority-data and certificate-authority are both specified for both")),
            ("insecure", .conflicting("cluster insecure sets both insecure-skip-tls-verify and a certificate authority")),
            ("noserver", .incomplete("cluster noserver has no server")),
            ("nocluster", .incomplete("context nocluster names cluster ghost, which is not defined")),
            ("halfcert", .incomplete("user halfcert needs both a client certificate and a client key")),
            ("v1nomode", .invalidExec(user: "v1nomode", reason: "interactiveMode must be specified for client.authentication.k8s.io/v1")),
            ("alpha", .invalidExec(user: "alpha", reason: "invalid apiVersion \"client.authentication.k8s.io/v1alpha1\"")),
            ("always", .invalidExec(user: "always", reason: "interactiveMode Always needs a terminal, and plugins run without one")),
        ]
        for (context, error) in expected {
            #expect(throws: error) { try k.resolve(context: context) }
        }
        #expect(
            Kubeconfig.LoadError.invalidExec(user: "alpha", reason: "invalid apiVersion \"v9\"").description
                == "exec plugin of user \"alpha\": invalid apiVersion \"v9\"")
    }

    @Test func reportsBrokenFiles() throws {
        let dir = try Scratch.directory()
        let bad = try Scratch.write("clusters: [\n", name: "bad", in: dir)
        #expect(throws: Kubeconfig.LoadError.self) { try Kubeconfig.load(paths: [bad]) }
        let badData = try Scratch.write(
            "clusters: [{name: c, cluster: {server: x, certificate-authority-data: '%%%'}}]", name: "baddata", in: dir)
        #expect(throws: Kubeconfig.LoadError.invalid(path: badData, reason: "certificate-authority-data of cluster c is not valid base64"))
        {
            try Kubeconfig.load(paths: [badData])
        }
        let empty = try Kubeconfig.load(paths: [try Scratch.write("", name: "empty", in: dir), dir.appendingPathComponent("missing").path])
        #expect(throws: Kubeconfig.LoadError.noContext) { try empty.resolve() }
    }

    @Test func execBlockIsParsedAndGetsClusterInfoOnlyWhenAsked() throws {
        let dir = try Scratch.directory()
        let config = try Scratch.write(
            """
            clusters:
            - name: c
              cluster:
                server: https://h:1
                certificate-authority-data: \(Scratch.base64("CA"))
                tls-server-name: api
                extensions:
                - {name: other, extension: {x: 1}}
                - {name: client.authentication.k8s.io/exec, extension: {audience: a, n: 2}}
            users:
            - name: u
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: /bin/plugin
                  args: [get-token, "--x=1"]
                  env: [{name: A, value: "1"}, {name: B, value: two}]
                  interactiveMode: IfAvailable
                  provideClusterInfo: true
                  installHint: install it
            - name: quiet
              user:
                exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: /bin/plugin}
            contexts:
            - {name: u, context: {cluster: c, user: u}}
            - {name: quiet, context: {cluster: c, user: quiet}}
            """, name: "config", in: dir)
        let k = try Kubeconfig.load(paths: [config])
        let exec = try #require(try k.resolve(context: "u").exec)
        #expect(
            exec
                == ExecCredentialPlugin(
                    apiVersion: "client.authentication.k8s.io/v1", command: "/bin/plugin", args: ["get-token", "--x=1"],
                    env: [.init(name: "A", value: "1"), .init(name: "B", value: "two")], interactiveMode: "IfAvailable",
                    provideClusterInfo: true, installHint: "install it",
                    cluster: .init(
                        server: "https://h:1", tlsServerName: "api", certificateAuthorityPEM: "CA", config: ["audience": "a", "n": 2])))
        let quiet = try #require(try k.resolve(context: "quiet").exec)
        #expect(quiet.cluster == nil)
        #expect(quiet.interactiveMode == nil)
    }
}
