import HTTPTypes
import KubeAPI

/// `Impersonate-User`/`Impersonate-Group`/`Impersonate-Uid` (kubectl `--as`, `--as-group`):
/// the caller must be allowed the `impersonate` verb on users (or serviceaccounts), groups
/// and uids; the request then runs as the impersonated identity.
enum Impersonation {
    static let userHeader = HTTPField.Name("Impersonate-User")!
    static let groupHeader = HTTPField.Name("Impersonate-Group")!
    static let uidHeader = HTTPField.Name("Impersonate-Uid")!

    static func apply(_ headers: HTTPFields, caller: UserInfo, authorizer: RBACAuthorizer) async throws(StatusError) -> UserInfo {
        let groups = headers[values: groupHeader]
        let uid = headers[uidHeader]
        guard let name = headers[userHeader] else {
            if !groups.isEmpty || uid != nil {
                throw StatusError(code: 500, reason: .internalError, message: "requested impersonation of groups or uid without a user")
            }
            return caller
        }
        var checks: [(resource: String, namespace: String?, name: String)] = []
        let serviceAccount = name.hasPrefix("system:serviceaccount:") ? name.split(separator: ":").map(String.init) : []
        if serviceAccount.count == 4 {
            checks.append(("serviceaccounts", serviceAccount[2], serviceAccount[3]))
        } else {
            checks.append(("users", nil, name))
        }
        for group in groups { checks.append(("groups", nil, group)) }
        if let uid { checks.append(("uids", nil, uid)) }
        for check in checks {
            let attributes = AuthorizationAttributes.resource(
                verb: "impersonate", group: check.resource == "uids" ? "authentication.k8s.io" : "", resource: check.resource,
                subresource: nil, namespace: check.namespace, name: check.name)
            guard await authorizer.authorize(caller, attributes).allowed else {
                let scope = check.namespace.map { "in the namespace \"\($0)\"" } ?? "at the cluster scope"
                throw StatusError(
                    code: 403, reason: .forbidden,
                    message: "\(check.resource) \"\(check.name)\" is forbidden: User \"\(caller.name)\" cannot impersonate resource "
                        + "\"\(check.resource)\" in API group \"\(check.resource == "uids" ? "authentication.k8s.io" : "")\" \(scope)")
            }
        }
        var impersonated = groups
        if serviceAccount.count == 4 {
            impersonated += ["system:serviceaccounts", "system:serviceaccounts:\(serviceAccount[2])"]
        }
        if name != "system:anonymous", !impersonated.contains("system:authenticated") { impersonated.append("system:authenticated") }
        return UserInfo(name: name, groups: impersonated, uid: uid ?? "")
    }
}
