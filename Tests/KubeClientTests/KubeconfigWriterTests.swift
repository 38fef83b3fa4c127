import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite struct KubeconfigWriterTests {
    /// `kubectl config view --raw -o json` of `path`, parsed.
    func kubectlView(_ path: String) throws -> JSONValue {
        let result = try kubectl(["config", "view", "--kubeconfig", path, "--raw", "-o", "json"])
        guard result.status == 0 else { throw TestFailure("kubectl config view failed: \(result.error)") }
        return try JSONParser.parse(result.output)
    }

    func entry(_ view: JSONValue, _ section: String, _ name: String) -> JSONValue {
        (view[section].arrayValue ?? []).first { $0["name"].stringValue == name } ?? .null
    }

    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func createsAFileKubectlReads() throws {
        let dir = try Scratch.directory("writer")
        let path = dir.appendingPathComponent("nested/dirs/config").path
        try KubeconfigWriter.upsert(
            path: path,
            cluster: .init(name: "fleet", server: "https://10.0.0.1:6443", certificateAuthorityPEM: "CA PEM\n", tlsServerName: "api.fleet"),
            user: .init(name: "admin", token: "s3cret"), context: .init(name: "fleet", cluster: "fleet", user: "admin", namespace: "ops"),
            currentContext: "fleet")
        #expect(try mode(path) == 0o600)
        #expect(!FileManager.default.fileExists(atPath: path + ".lock"))
        let ca = Scratch.base64("CA PEM\n")
        #expect(
            try Scratch.read(path) == """
                apiVersion: v1
                clusters:
                - cluster:
                    certificate-authority-data: \(ca)
                    server: https://10.0.0.1:6443
                    tls-server-name: api.fleet
                  name: fleet
                contexts:
                - context:
                    cluster: fleet
                    namespace: ops
                    user: admin
                  name: fleet
                current-context: fleet
                kind: Config
                preferences: {}
                users:
                - name: admin
                  user:
                    token: s3cret

                """)
        let view = try kubectlView(path)
        #expect(view["current-context"] == "fleet")
        #expect(
            entry(view, "clusters", "fleet")["cluster"]
                == ["server": "https://10.0.0.1:6443", "certificate-authority-data": .string(ca), "tls-server-name": "api.fleet"])
        #expect(entry(view, "users", "admin")["user"] == ["token": "s3cret"])
        #expect(entry(view, "contexts", "fleet")["context"] == ["cluster": "fleet", "user": "admin", "namespace": "ops"])
        let contexts = try kubectl(["config", "get-contexts", "--kubeconfig", path])
        #expect(
            contexts.output == """
                CURRENT   NAME    CLUSTER   AUTHINFO   NAMESPACE
                *         fleet   fleet     admin      ops

                """)
        #expect(
            try Kubeconfig.load(explicitPath: path).resolve()
                == ClientConfiguration(
                    server: "https://10.0.0.1:6443", caPEM: "CA PEM\n", token: "s3cret", tlsServerName: "api.fleet", namespace: "ops"))
    }

    /// A file as kubectl and other tools leave it: unknown keys, an exec user, a flow-style
    /// entry, an extension.
    static let existing = """
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority: ca.pem
            extensions:
            - extension:
                audience: fleet
              name: client.authentication.k8s.io/exec
            insecure-skip-tls-verify: true
            server: https://old:1
          name: target
        - cluster:
            server: https://other:2
          name: other
        contexts:
        - context:
            cluster: other
            user: cloud
          name: other
        current-context: other
        extensions:
        - extension:
            last-update: yesterday
          name: tool
        kind: Config
        preferences:
          colors: true
        users:
        - name: cloud
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1beta1
              args:
              - eks
              - get-token
              - --cluster-name
              - my cluster
              command: aws
              env:
              - name: AWS_PROFILE
                value: '123'
              interactiveMode: IfAvailable
              provideClusterInfo: false
        - name: target
          user:
            client-certificate: old.crt
            client-key: old.key
            tokenFile: old.token
            username: keep-me

        """

    @Test func updatesInPlaceAndKeepsEverythingElse() throws {
        let dir = try Scratch.directory("writer")
        let path = try Scratch.write(Self.existing, name: "config", in: dir, mode: 0o640)
        let before = try kubectlView(path)
        try KubeconfigWriter.upsert(
            path: path, cluster: .init(name: "target", server: "https://new:6443", certificateAuthorityPEM: "NEW CA"),
            user: .init(name: "target", token: "tok", clientCertificatePEM: "CERT", clientKeyPEM: "KEY"),
            context: .init(name: "target", cluster: "target", user: "target"), currentContext: "target")
        let after = try kubectlView(path)

        // Other entries and settings, compared as kubectl reads them.
        #expect(entry(after, "users", "cloud") == entry(before, "users", "cloud"))
        #expect(entry(after, "clusters", "other") == entry(before, "clusters", "other"))
        #expect(entry(after, "contexts", "other") == entry(before, "contexts", "other"))
        #expect(after["preferences"] == before["preferences"])
        #expect(
            entry(after, "clusters", "target")["cluster"]
                == [
                    "server": "https://new:6443", "certificate-authority-data": .string(Scratch.base64("NEW CA")),
                    "extensions": [["name": "client.authentication.k8s.io/exec", "extension": ["audience": "fleet"]]],
                ])
        #expect(
            entry(after, "users", "target")["user"]
                == [
                    "token": "tok", "client-certificate-data": .string(Scratch.base64("CERT")),
                    "client-key-data": .string(Scratch.base64("KEY")), "username": "keep-me",
                ])
        // And as text: updated entries keep their place and remaining keys, the new context is
        // appended, kubectl-invisible keys (top-level extensions) survive, the mode is kept.
        #expect(
            try Scratch.read(path) == """
                apiVersion: v1
                clusters:
                - cluster:
                    extensions:
                    - extension:
                        audience: fleet
                      name: client.authentication.k8s.io/exec
                    server: https://new:6443
                    certificate-authority-data: \(Scratch.base64("NEW CA"))
                  name: target
                - cluster:
                    server: https://other:2
                  name: other
                contexts:
                - context:
                    cluster: other
                    user: cloud
                  name: other
                - context:
                    cluster: target
                    user: target
                  name: target
                current-context: target
                extensions:
                - extension:
                    last-update: yesterday
                  name: tool
                kind: Config
                preferences:
                  colors: true
                users:
                - name: cloud
                  user:
                    exec:
                      apiVersion: client.authentication.k8s.io/v1beta1
                      args:
                      - eks
                      - get-token
                      - --cluster-name
                      - my cluster
                      command: aws
                      env:
                      - name: AWS_PROFILE
                        value: '123'
                      interactiveMode: IfAvailable
                      provideClusterInfo: false
                - name: target
                  user:
                    username: keep-me
                    client-certificate-data: \(Scratch.base64("CERT"))
                    client-key-data: \(Scratch.base64("KEY"))
                    token: tok

                """)
        #expect(try mode(path) == 0o640)
        let contexts = try kubectl(["config", "get-contexts", "--kubeconfig", path])
        #expect(
            contexts.output.split(separator: "\n").map { String($0.reversed().drop { $0 == " " }.reversed()) } == [
                "CURRENT   NAME     CLUSTER   AUTHINFO   NAMESPACE",
                "          other    other     cloud",
                "*         target   target    target",
            ])
    }

    @Test func partialUpdatesFollowKubectlSetCluster() throws {
        let dir = try Scratch.directory("writer")
        let path = dir.appendingPathComponent("config").path
        try KubeconfigWriter.upsert(path: path, cluster: .init(name: "c", server: "https://a:1", certificateAuthorityPEM: "CA"))
        // insecure drops the CA, as `kubectl config set-cluster --insecure-skip-tls-verify` does...
        try KubeconfigWriter.upsert(path: path, cluster: .init(name: "c", insecureSkipTLSVerify: true))
        #expect(entry(try kubectlView(path), "clusters", "c")["cluster"] == ["server": "https://a:1", "insecure-skip-tls-verify": true])
        // ...and a CA drops insecure; fields not given stay.
        try KubeconfigWriter.upsert(path: path, cluster: .init(name: "c", certificateAuthorityPEM: "CA2", tlsServerName: "n"))
        #expect(
            entry(try kubectlView(path), "clusters", "c")["cluster"]
                == ["server": "https://a:1", "certificate-authority-data": .string(Scratch.base64("CA2")), "tls-server-name": "n"])
        try KubeconfigWriter.upsert(path: path, context: .init(name: "x", cluster: "c"), currentContext: "x")
        try KubeconfigWriter.upsert(path: path, context: .init(name: "x", namespace: "ns"))
        let view = try kubectlView(path)
        // kubectl shows the unset user as "".
        #expect(entry(view, "contexts", "x")["context"] == ["cluster": "c", "user": "", "namespace": "ns"])
        #expect(view["current-context"] == "x")
    }

    @Test func valuesThatLookLikeOtherTypesStayStrings() throws {
        let dir = try Scratch.directory("writer")
        let path = dir.appendingPathComponent("config").path
        try KubeconfigWriter.upsert(
            path: path, cluster: .init(name: "123", server: "https://h:1"), user: .init(name: "true", token: "null"),
            context: .init(name: "y", cluster: "123", user: "true", namespace: "2024-01-01"), currentContext: "y")
        let view = try kubectlView(path)
        #expect(view["current-context"] == "y")
        #expect(entry(view, "users", "true")["user"] == ["token": "null"])
        #expect(entry(view, "contexts", "y")["context"] == ["cluster": "123", "user": "true", "namespace": "2024-01-01"])
        let resolved = try Kubeconfig.load(paths: [path]).resolve()
        #expect(resolved == ClientConfiguration(server: "https://h:1", token: "null", namespace: "2024-01-01"))
    }

    /// Yams does not keep flow style, so the file comes back in block style, same content.
    @Test func flowStyleFilesComeBackInBlockStyle() throws {
        let dir = try Scratch.directory("writer")
        let path = try Scratch.write(
            "apiVersion: v1\nclusters: []\nusers: [{name: u, user: {}}]\ncontexts: null\n", name: "config", in: dir)
        try KubeconfigWriter.upsert(
            path: path, cluster: .init(name: "c", server: "https://h:1"), user: .init(name: "u", token: "t"),
            context: .init(name: "x", cluster: "c", user: "u"))
        #expect(
            try Scratch.read(path) == """
                apiVersion: v1
                clusters:
                - cluster:
                    server: https://h:1
                  name: c
                users:
                - name: u
                  user:
                    token: t
                contexts:
                - context:
                    cluster: c
                    user: u
                  name: x

                """)
    }

    @Test func writesThroughASymlink() throws {
        let dir = try Scratch.directory("writer")
        let real = try Scratch.write("", name: "real/config", in: dir)
        let link = dir.appendingPathComponent("link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        try KubeconfigWriter.upsert(path: link, cluster: .init(name: "c", server: "https://h:1"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == real)
        #expect(try Kubeconfig.load(paths: [real]).clusters["c"]?.server == "https://h:1")
    }

    @Test func refusesContradictionsBrokenFilesAndLockedFiles() throws {
        let dir = try Scratch.directory("writer")
        let path = dir.appendingPathComponent("config").path
        #expect(
            throws: KubeconfigWriter.WriteError.invalidEntry(
                "cluster c: a certificate authority and insecure-skip-tls-verify exclude each other")
        ) {
            try KubeconfigWriter.upsert(path: path, cluster: .init(name: "c", certificateAuthorityPEM: "CA", insecureSkipTLSVerify: true))
        }
        #expect(throws: KubeconfigWriter.WriteError.invalidEntry("user u: a client certificate needs its key and the other way round")) {
            try KubeconfigWriter.upsert(path: path, user: .init(name: "u", clientCertificatePEM: "CERT"))
        }
        #expect(throws: KubeconfigWriter.WriteError.invalidEntry("names must not be empty")) {
            try KubeconfigWriter.upsert(path: path, context: .init(name: ""))
        }
        #expect(!FileManager.default.fileExists(atPath: path))

        let list = try Scratch.write("- a\n- b\n", name: "list", in: dir)
        #expect(throws: KubeconfigWriter.WriteError.invalid(path: list, reason: "the top level is not a mapping")) {
            try KubeconfigWriter.upsert(path: list, cluster: .init(name: "c", server: "https://h:1"))
        }
        let badSection = try Scratch.write("clusters: {a: 1}\n", name: "bad", in: dir)
        #expect(throws: KubeconfigWriter.WriteError.invalid(path: badSection, reason: "clusters is not a list")) {
            try KubeconfigWriter.upsert(path: badSection, cluster: .init(name: "c", server: "https://h:1"))
        }

        let locked = try Scratch.write("kind: Config\n", name: "locked", in: dir)
        try Scratch.write("", name: "locked.lock", in: dir)
        #expect(throws: KubeconfigWriter.WriteError.locked(path: locked)) {
            try KubeconfigWriter.upsert(path: locked, cluster: .init(name: "c", server: "https://h:1"))
        }
        #expect(try Scratch.read(locked) == "kind: Config\n")
        #expect(
            KubeconfigWriter.WriteError.locked(path: "/k").description
                == "kubeconfig /k is locked by another writer (remove /k.lock if none is running)")
    }
}
