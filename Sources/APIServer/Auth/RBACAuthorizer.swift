import KubeAPI

/// What a request wants to do, for authorization.
enum AuthorizationAttributes: Sendable {
    case resource(verb: String, group: String, resource: String, subresource: String?, namespace: String?, name: String?)
    case nonResource(verb: String, path: String)
}

struct AuthorizationDecision: Sendable {
    var allowed: Bool
    var reason: String
}

/// Kubernetes RBAC evaluated against the Roles and bindings in the store. Members of
/// `system:masters` are allowed everything without a lookup, as in kube-apiserver.
struct RBACAuthorizer: Sendable {
    let storage: RESTStorage

    func authorize(_ user: UserInfo, _ attributes: AuthorizationAttributes) async -> AuthorizationDecision {
        if user.groups.contains("system:masters") { return AuthorizationDecision(allowed: true, reason: "system:masters") }
        for rule in await rules(for: user, namespace: namespace(of: attributes)) where Self.matches(rule, attributes) {
            return AuthorizationDecision(allowed: true, reason: "RBAC: allowed")
        }
        return AuthorizationDecision(allowed: false, reason: "")
    }

    private func namespace(of attributes: AuthorizationAttributes) -> String? {
        if case .resource(_, _, _, _, let ns, _) = attributes { return ns }
        return nil
    }

    static func subjectMatches(_ subject: JSONValue, _ user: UserInfo, bindingNamespace: String?) -> Bool {
        let name = subject["name"].stringValue ?? ""
        switch subject["kind"].stringValue ?? "" {
        case "User": return name == user.name
        case "Group": return user.groups.contains(name)
        case "ServiceAccount":
            let ns = subject["namespace"].stringValue ?? bindingNamespace ?? ""
            return user.name == "system:serviceaccount:\(ns):\(name)"
        default: return false
        }
    }

    /// Every policy rule that applies to the user in a namespace (cluster-wide ones included).
    func rules(for user: UserInfo, namespace: String?) async -> [JSONValue] {
        var rules: [JSONValue] = []
        let everything = LabelSelector()
        let noFields = FieldSelector()
        var bindings: [(JSONValue, String?)] = []
        if let crbs = try? await storage.list(
            OtherKinds.clusterRoleBindings, namespace: nil, labelSelector: everything, fieldSelector: noFields, limit: 0,
            continueToken: nil, resourceVersion: nil)
        {
            bindings += crbs.items.map { ($0, nil) }
        }
        if let namespace,
            let rbs = try? await storage.list(
                OtherKinds.roleBindings, namespace: namespace, labelSelector: everything, fieldSelector: noFields, limit: 0,
                continueToken: nil, resourceVersion: nil)
        {
            bindings += rbs.items.map { ($0, namespace) }
        }
        for (binding, ns) in bindings {
            guard (binding["subjects"].arrayValue ?? []).contains(where: { Self.subjectMatches($0, user, bindingNamespace: ns) }) else {
                continue
            }
            let ref = binding["roleRef"]
            let roleName = ref["name"].stringValue ?? ""
            let role: JSONValue?
            if ref["kind"].stringValue == "Role", let ns {
                role = try? await storage.get(OtherKinds.roles, namespace: ns, name: roleName)
            } else {
                role = try? await storage.get(OtherKinds.clusterRoles, namespace: nil, name: roleName)
            }
            rules += role?["rules"].arrayValue ?? []
        }
        return rules
    }

    static func matches(_ rule: JSONValue, _ attributes: AuthorizationAttributes) -> Bool {
        func list(_ key: String) -> [String] { (rule[key].arrayValue ?? []).compactMap(\.stringValue) }
        switch attributes {
        case .resource(let verb, let group, let resource, let subresource, _, let name):
            let verbs = list("verbs")
            guard verbs.contains("*") || verbs.contains(verb) else { return false }
            let groups = list("apiGroups")
            guard groups.contains("*") || groups.contains(group) else { return false }
            let resources = list("resources")
            let combined = subresource.map { "\(resource)/\($0)" } ?? resource
            let resourceOK =
                resources.contains("*") || resources.contains(combined)
                || (subresource != nil && resources.contains("*/\(subresource!)"))
            guard resourceOK else { return false }
            let names = list("resourceNames")
            return names.isEmpty || (name.map { names.contains($0) } ?? false)
        case .nonResource(let verb, let path):
            let verbs = list("verbs")
            guard verbs.contains("*") || verbs.contains(verb) else { return false }
            return list("nonResourceURLs").contains { pattern in
                pattern == "*" || pattern == path || (pattern.hasSuffix("*") && path.hasPrefix(String(pattern.dropLast())))
            }
        }
    }
}
