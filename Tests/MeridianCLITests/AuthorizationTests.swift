import APIServer
import Foundation
import KubeAPI
import Testing

/// RBAC, client certificates for other users, and service account tokens, end to end.
@Suite struct AuthorizationTests {
    /// A kubeconfig for `user` (client certificate signed by the server's CA).
    func kubeconfig(for user: String, groups: [String], server: MeridianProcess) throws -> URL {
        let pki = try PKI.loadOrCreate(directory: server.dataDir.path, hosts: ["127.0.0.1"])
        let (cert, key) = try pki.issueClientCertificate(user: user, groups: groups)
        let url = try server.kubectl(["config", "view", "-o", "jsonpath={.clusters[0].cluster.server}"]).output
        let path = server.dataDir.appendingPathComponent("\(user).kubeconfig")
        let yaml = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster: {server: "\(url)", certificate-authority-data: \(Data(pki.caCertificatePEM.utf8).base64EncodedString())}
            users:
            - name: \(user)
              user: {client-certificate-data: \(Data(cert.utf8).base64EncodedString()), client-key-data: \(Data(key.utf8).base64EncodedString())}
            contexts:
            - name: c
              context: {cluster: c, user: \(user), namespace: default}
            current-context: c
            """
        try yaml.write(to: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func rbacGrantsAndForbids() throws {
        let server = try MeridianProcess.apiserver()
        let jane = try kubeconfig(for: "jane", groups: ["developers"], server: server)
        func asJane(_ args: [String]) throws -> CommandResult { try run(try Paths.kubectl(nil), ["--kubeconfig", jane.path] + args) }

        #expect(try asJane(["auth", "can-i", "list", "pods"]).output == "no\n")
        let denied = try asJane(["get", "pods"])
        #expect(denied.status != 0)
        #expect(
            denied.error
                == "Error from server (Forbidden): pods is forbidden: User \"jane\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"\n"
        )

        #expect(try server.kubectl(["create", "role", "pod-reader", "--verb=get,list,watch", "--resource=pods"]).status == 0)
        #expect(try server.kubectl(["create", "rolebinding", "devs-read", "--role=pod-reader", "--group=developers"]).status == 0)
        #expect(try asJane(["auth", "can-i", "list", "pods"]).output == "yes\n")
        #expect(try asJane(["auth", "can-i", "list", "pods", "-n", "kube-system"]).output == "no\n")
        #expect(try asJane(["auth", "can-i", "delete", "pods"]).output == "no\n")
        #expect(try asJane(["get", "pods"]).status == 0)
        let create = try asJane(["create", "configmap", "x"])
        #expect(
            create.error.contains(
                "configmaps is forbidden: User \"jane\" cannot create resource \"configmaps\" in API group \"\" in the namespace \"default\""
            ))

        // ClusterRoleBinding to the built-in view role grants reads everywhere.
        #expect(try server.kubectl(["create", "clusterrolebinding", "jane-view", "--clusterrole=view", "--user=jane"]).status == 0)
        #expect(try asJane(["auth", "can-i", "list", "deployments.apps", "-n", "kube-system"]).output == "yes\n")
        #expect(try asJane(["auth", "can-i", "get", "secrets", "-n", "kube-system"]).output == "no\n")

        let rules = try asJane(["auth", "can-i", "--list", "-n", "default"])
        #expect(rules.status == 0)
        #expect(rules.output.contains("pods"))
    }

    @Test func serviceAccountTokensAuthenticate() throws {
        let server = try MeridianProcess.apiserver()
        #expect(try server.kubectl(["create", "serviceaccount", "robot"]).status == 0)
        let token = try server.kubectl(["create", "token", "robot"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.split(separator: ".").count == 3)
        let whoami = try server.kubectl(["--token", token, "auth", "whoami", "-o", "json"])
        let user = try JSONParser.parse(whoami.output)
        #expect(user["status"]["userInfo"]["username"] == "system:serviceaccount:default:robot", "\(whoami.error)")
        let forbidden = try server.kubectl(["--token", token, "get", "secrets"])
        #expect(forbidden.error.contains("User \"system:serviceaccount:default:robot\" cannot list resource \"secrets\""))
        let bad = try server.kubectl(["--token", String(token.dropLast(4)) + "AAAA", "get", "secrets"])
        #expect(bad.error.contains("Unauthorized"))
    }
}
