import Foundation
import KubeAPI
import Testing

/// Raw HTTP behaviour of `meridian apiserver` seen with curl: authentication, limits,
/// malformed input, health and metrics.
@Suite struct HTTPBehaviourTests {
    struct Endpoint {
        let server: MeridianProcess
        var base: String
        var token: String
        var ca: String
    }

    func start() throws -> Endpoint {
        let server = try MeridianProcess.apiserver()
        let url = try server.kubectl(["config", "view", "-o", "jsonpath={.clusters[0].cluster.server}"]).output
        let token = try String(contentsOf: server.dataDir.appendingPathComponent("admin.token"), encoding: .utf8)
        return Endpoint(server: server, base: url, token: token, ca: server.dataDir.appendingPathComponent("pki/ca.crt").path)
    }

    /// curl with the server's CA; returns (status, body).
    func curl(
        _ e: Endpoint, _ path: String, method: String = "GET", token: Bool = true, body: String? = nil,
        contentType: String = "application/json", http1: Bool = false
    ) throws -> (Int, String) {
        var args = ["-sS", "--cacert", e.ca, "-X", method, "-w", "\n%{http_code}", e.base + path]
        if token { args += ["-H", "Authorization: Bearer \(e.token)"] }
        if http1 { args.append("--http1.1") }
        if let body { args += ["-H", "Content-Type: \(contentType)", "--data-binary", "@-"] }
        let r = try run("/usr/bin/curl", args, input: body)
        let lines = r.output.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    @Test func authenticationAndPublicEndpoints() throws {
        let e = try start()
        for path in ["/healthz", "/livez", "/readyz"] {
            let (code, body) = try curl(e, path, token: false)
            #expect(code == 200 && body == "ok", "\(path): \(code) \(body)")
        }
        let (vcode, vbody) = try curl(e, "/version", token: false)
        #expect(vcode == 200)
        #expect(try JSONParser.parse(vbody)["major"] == "1")
        let (code, body) = try curl(e, "/api/v1/namespaces", token: false)
        #expect(code == 401)
        #expect(try JSONParser.parse(body)["reason"] == "Unauthorized")
        let (bad, _) = try curl(Endpoint(server: e.server, base: e.base, token: "wrong", ca: e.ca), "/api/v1/namespaces")
        #expect(bad == 401)
        let (apiCode, api) = try curl(e, "/api")
        #expect(apiCode == 200)
        #expect(
            try JSONParser.parse(api)["serverAddressByClientCIDRs"][0]["serverAddress"].stringValue
                == String(e.base.dropFirst("https://".count)))
        let (ok, list) = try curl(e, "/api/v1/namespaces", http1: true)
        #expect(ok == 200)
        #expect(try JSONParser.parse(list)["kind"] == "NamespaceList")
    }

    @Test func badInputGetsStatusErrorsAndWritesNothing() throws {
        let e = try start()
        let (malformed, m) = try curl(
            e, "/api/v1/namespaces/default/configmaps", method: "POST",
            body: #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"#)
        #expect(malformed == 400)
        #expect(try JSONParser.parse(m)["reason"] == "BadRequest")
        let huge =
            #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"k":""#
            + String(repeating: "x", count: 4 * 1024 * 1024) + #""}}"#
        let (tooLarge, t) = try curl(e, "/api/v1/namespaces/default/configmaps", method: "POST", body: huge)
        #expect(tooLarge == 413)
        #expect(try JSONParser.parse(t)["reason"] == "RequestEntityTooLarge")
        let (media, u) = try curl(e, "/api/v1/namespaces/default/configmaps", method: "POST", body: "a=b", contentType: "text/plain")
        #expect(media == 415)
        #expect(try JSONParser.parse(u)["reason"] == "UnsupportedMediaType")
        let (wrongKind, w) = try curl(
            e, "/api/v1/namespaces/default/configmaps", method: "POST",
            body: #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}"#)
        #expect(wrongKind == 400)
        #expect(try JSONParser.parse(w)["message"] == "the kind in the data (Secret) does not match the expected kind (ConfigMap)")
        let (wrongNS, n) = try curl(
            e, "/api/v1/namespaces/default/configmaps", method: "POST",
            body: #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"other"}}"#)
        #expect(wrongNS == 400)
        #expect(
            try JSONParser.parse(n)["message"] == "the namespace of the provided object does not match the namespace sent on the request")
        let (unknown, _) = try curl(e, "/apis/nope.example.com/v1/things")
        #expect(unknown == 404)
        let (notAllowed, na) = try curl(e, "/api/v1/namespaces", method: "DELETE")
        #expect(notAllowed == 405)
        #expect(try JSONParser.parse(na)["reason"] == "MethodNotAllowed")
        let (list, l) = try curl(e, "/api/v1/namespaces/default/configmaps")
        #expect(list == 200)
        #expect(try JSONParser.parse(l)["items"] == .array([]), "a refused write left something behind: \(l)")
    }

    @Test func metricsCountRequests() throws {
        let e = try start()
        _ = try curl(e, "/api/v1/namespaces/default/configmaps")
        let (code, body) = try curl(e, "/metrics")
        #expect(code == 200)
        #expect(body.contains(#"apiserver_request_total{verb="LIST",resource="configmaps",code="200"}"#), "\(body.prefix(2000))")
        #expect(body.contains("apiserver_request_duration_seconds"))
    }

    @Test func restartKeepsStateAndCredentials() throws {
        let dir = try Paths.temporaryDirectory("restart")
        var server: MeridianProcess? = try MeridianProcess.apiserver(dataDir: dir)
        #expect(try server!.kubectl(["create", "configmap", "kept", "--from-literal=a=1"]).status == 0)
        let rv = try server!.kubectl(["get", "cm", "kept", "-o", "jsonpath={.metadata.resourceVersion}"]).output
        let ca = try String(contentsOf: dir.appendingPathComponent("pki/ca.crt"), encoding: .utf8)
        server!.kill(signal: SIGTERM)
        server = try MeridianProcess.apiserver(dataDir: dir)
        #expect(try String(contentsOf: dir.appendingPathComponent("pki/ca.crt"), encoding: .utf8) == ca)
        #expect(try server!.kubectl(["get", "cm", "kept", "-o", "jsonpath={.data.a} {.metadata.resourceVersion}"]).output == "1 \(rv)")
        #expect(try server!.kubectl(["create", "configmap", "after"]).status == 0)
        let next = try server!.kubectl(["get", "cm", "after", "-o", "jsonpath={.metadata.resourceVersion}"]).output
        #expect(Int(next)! > Int(rv)!)
    }
}
