import KubeAPI

/// The create-only review resources: answers computed from the authorizer and authenticator.
enum Reviews {
    static func answer(
        _ body: JSONValue, def: ResourceDefinition, user: UserInfo, namespace: String?, authorizer: RBACAuthorizer,
        authenticator: Authenticator
    ) async throws -> JSONValue {
        var response = body
        response["apiVersion"] = .string(def.groupVersion)
        response["kind"] = .string(def.kind)
        if response["metadata"].isNull { response["metadata"] = ["creationTimestamp": nil] }
        let spec = body["spec"]
        switch def.kind {
        case "SelfSubjectAccessReview", "SubjectAccessReview", "LocalSubjectAccessReview":
            var subject = user
            if def.kind != "SelfSubjectAccessReview" {
                subject = UserInfo(
                    name: spec["user"].stringValue ?? "", groups: (spec["groups"].arrayValue ?? []).compactMap(\.stringValue),
                    uid: spec["uid"].stringValue ?? "")
            }
            let attributes: AuthorizationAttributes
            if !spec["resourceAttributes"].isNull {
                let r = spec["resourceAttributes"]
                var ns = r["namespace"].stringValue
                if def.kind == "LocalSubjectAccessReview" { ns = namespace }
                attributes = .resource(
                    verb: r["verb"].stringValue ?? "", group: r["group"].stringValue ?? "", resource: r["resource"].stringValue ?? "",
                    subresource: r["subresource"].stringValue.flatMap { $0.isEmpty ? nil : $0 },
                    namespace: ns.flatMap { $0.isEmpty ? nil : $0 },
                    name: r["name"].stringValue.flatMap { $0.isEmpty ? nil : $0 })
            } else if !spec["nonResourceAttributes"].isNull {
                let n = spec["nonResourceAttributes"]
                attributes = .nonResource(verb: n["verb"].stringValue ?? "", path: n["path"].stringValue ?? "")
            } else {
                throw StatusError.invalid(
                    kind: def.kind, group: def.group, name: "",
                    causes: [
                        .invalid(
                            "spec.resourceAttributes", .null, "exactly one of nonResourceAttributes or resourceAttributes must be specified"
                        )
                    ])
            }
            let decision = await authorizer.authorize(subject, attributes)
            var status: JSONValue = ["allowed": .bool(decision.allowed)]
            if !decision.reason.isEmpty { status["reason"] = .string(decision.reason) }
            response["status"] = status
        case "SelfSubjectRulesReview":
            let ns = spec["namespace"].stringValue
            var resourceRules: [JSONValue] = []
            var nonResourceRules: [JSONValue] = []
            if user.groups.contains("system:masters") {
                resourceRules = [["verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]]]
                nonResourceRules = [["verbs": ["*"], "nonResourceURLs": ["*"]]]
            }
            for rule in await authorizer.rules(for: user, namespace: ns) {
                if rule["nonResourceURLs"].isNull {
                    var r: JSONValue = ["verbs": rule["verbs"], "apiGroups": rule["apiGroups"], "resources": rule["resources"]]
                    if !rule["resourceNames"].isNull { r["resourceNames"] = rule["resourceNames"] }
                    resourceRules.append(r)
                } else {
                    nonResourceRules.append(["verbs": rule["verbs"], "nonResourceURLs": rule["nonResourceURLs"]])
                }
            }
            response["status"] = [
                "resourceRules": .array(resourceRules), "nonResourceRules": .array(nonResourceRules), "incomplete": false,
            ]
        case "TokenReview":
            if let u = authenticator.authenticate(bearer: spec["token"].stringValue ?? "") {
                response["status"] = [
                    "authenticated": true,
                    "user": ["username": .string(u.name), "uid": .string(u.uid), "groups": .array(u.groups.map { .string($0) })],
                ]
            } else {
                response["status"] = ["authenticated": false, "error": "invalid bearer token"]
            }
        case "SelfSubjectReview":
            response["status"] = [
                "userInfo": ["username": .string(user.name), "uid": .string(user.uid), "groups": .array(user.groups.map { .string($0) })]
            ]
        default:
            throw StatusError.methodNotAllowed()
        }
        return response
    }
}
