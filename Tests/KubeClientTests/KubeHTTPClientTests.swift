import Foundation
import KubeAPI
import KubeClient
import Testing

/// The client against a real API server: tls-server-name, exec plugins, token files.
@Suite struct KubeHTTPClientTests {
    /// A path only an authenticated user may read.
    static let protected = "/api/v1/namespaces/default/configmaps"

    func status(_ configuration: ClientConfiguration, _ path: String = protected) async throws -> Int {
        let client = try KubeHTTPClient(configuration)
        do {
            let status = try await client.request(.GET, path).status
            await client.shutdown()
            return status
        } catch {
            await client.shutdown()
            throw error
        }
    }

    @Test func sendsAndVerifiesTLSServerName() async throws {
        let server = try await APIServerProcess()
        defer { server.stop() }
        // Through the kubeconfig, as `kubectl config set-cluster --tls-server-name` leaves it.
        try KubeconfigWriter.upsert(path: server.kubeconfig, cluster: .init(name: "apiserver", tlsServerName: "localhost"))
        let named = try server.configuration()
        #expect(named.server.hasPrefix("https://127.0.0.1:"))
        #expect(named.tlsServerName == "localhost")
        #expect(try await status(named) == 200)
        #expect(try kubectl(["--kubeconfig", server.kubeconfig, "get", "--raw", "/readyz"]).output == "ok")

        var ip = named
        ip.tlsServerName = "10.1.2.3"
        #expect {
            try KubeHTTPClient(ip)
        } throws: { error in
            (error as? KubeClientError)?.description
                == "client configuration: tls-server-name 10.1.2.3 is an IP address; only DNS names are supported"
        }
    }

    #if os(Linux)
        /// Reached at 127.0.0.2, which its certificate does not list, the server is trusted only
        /// through a tls-server-name its certificate has. (NIOSSL also accepts a certificate
        /// listing the IP address connected to, whatever the name, so the address must not be
        /// in the certificate for a wrong name to fail.)
        @Test func rejectsAServerWhoseCertificateLacksTheTLSServerName() async throws {
            let server = try await APIServerProcess(bindAddress: "0.0.0.0")
            defer { server.stop() }
            let port = try #require(try server.configuration().server.split(separator: ":").last)
            func useServer(_ tlsServerName: String?) throws -> (ClientConfiguration, CommandResult) {
                try KubeconfigWriter.upsert(
                    path: server.kubeconfig,
                    cluster: .init(name: "apiserver", server: "https://127.0.0.2:\(port)", tlsServerName: tlsServerName))
                return (try server.configuration(), try kubectl(["--kubeconfig", server.kubeconfig, "get", "--raw", "/readyz"]))
            }

            // Without a name kubectl refuses the address. (KubeHTTPClient would too, but like
            // every TLS failure only once AsyncHTTPClient's connect timeout of 10 s has passed,
            // which the wrong name below costs already.)
            let unnamed = try useServer(nil)
            #expect(unnamed.1.error.contains("x509: certificate is valid for 127.0.0.1, not 127.0.0.2"))

            let named = try useServer("localhost")
            #expect(try await status(named.0, "/readyz") == 200)
            #expect(named.1.output == "ok")

            let wrong = try useServer("wrong.example")
            #expect(wrong.0.tlsServerName == "wrong.example")
            await #expect {
                try await status(wrong.0, "/readyz")
            } throws: { error in
                "\(error)"
                    == "request failed: GET /readyz: NIOSSLExtraError.failedToValidateHostname: Couldn't find wrong.example in certificate from peer"
            }
            #expect(wrong.1.error.contains("x509: certificate is valid for localhost, not wrong.example"))
        }
    #endif

    @Test func authenticatesWithExecPluginsAndTokenFiles() async throws {
        let server = try await APIServerProcess()
        defer { server.stop() }
        let admin = try server.configuration()
        var anonymous = admin
        anonymous.clientCertificatePEM = nil
        anonymous.clientKeyPEM = nil
        #expect(try await status(anonymous) == 401)

        // A bearer token from the plugin; a rejected one makes the next request run it again.
        let fake = try FakePlugin()
        try fake.respond(token: "not-the-token")
        var viaExec = anonymous
        viaExec.exec = fake.plugin()
        let client = try KubeHTTPClient(viaExec)
        #expect(try await client.request(.GET, Self.protected).status == 401)
        try fake.respond(token: try server.adminToken)
        #expect(try await client.request(.GET, Self.protected).status == 200)
        #expect(try await client.request(.GET, Self.protected).status == 200)
        #expect(fake.runs == 2)
        await client.shutdown()

        // A client certificate from the plugin.
        let cert = try #require(admin.clientCertificatePEM)
        let key = try #require(admin.clientKeyPEM)
        try fake.respond(
            JSONValue.object([
                "apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                "status": ["clientCertificateData": .string(cert), "clientKeyData": .string(key)],
            ]).serializedString())
        #expect(try await status(viaExec) == 200)

        // A token file, named relative to the kubeconfig.
        try Scratch.write(try server.adminToken, name: "token", in: server.dataDir)
        try Scratch.write(
            """
            clusters: [{name: c, cluster: {server: "\(admin.server)", tls-server-name: localhost, certificate-authority: ca.crt}}]
            users: [{name: u, user: {tokenFile: token}}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            current-context: x
            """, name: "token-kubeconfig", in: server.dataDir)
        try Scratch.write(try #require(admin.caPEM), name: "ca.crt", in: server.dataDir)
        let viaFile = try Kubeconfig.load(explicitPath: server.dataDir.appendingPathComponent("token-kubeconfig").path).resolve()
        #expect(try await status(viaFile) == 200)
    }
    /// A LIST body arrives whole (sized from Content-Length), and a watch whose initial events
    /// come in a few large chunks is cut into exactly one line per event, in order.
    @Test func collectsBodiesAndCutsWatchStreamsIntoLines() async throws {
        let server = try await APIServerProcess()
        defer { server.stop() }
        let client = try KubeHTTPClient(try server.configuration())
        let names = (0..<300).map { "cm-\($0)" }
        let payload = String(repeating: "p", count: 2000)
        for name in names {
            let object: JSONValue = [
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)], "data": ["k": .string(payload)],
            ]
            let created = try await client.request(.POST, Self.protected, body: object.serialized())
            #expect(created.status == 201)
        }
        let list = try await client.request(.GET, Self.protected)
        #expect(list.status == 200)
        #expect(try list.json()["items"].arrayValue?.map { $0["metadata"]["name"].stringValue ?? "" } == names.sorted())

        var seen: [String] = []
        let status = try await client.stream("\(Self.protected)?watch=true&resourceVersion=0", timeout: .seconds(30)) { line in
            let event = try JSONParser.parse(line)
            #expect(event["type"] == "ADDED")
            #expect(event["object"]["data"]["k"].stringValue == payload)
            seen.append(event["object"]["metadata"]["name"].stringValue ?? "")
            return seen.count < names.count
        }
        #expect(status == 200)
        #expect(seen.sorted() == names.sorted())
        await client.shutdown()
    }
}
