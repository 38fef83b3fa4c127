import KubeAPI
import Logging

/// What every cluster has from the start: system namespaces, the default RBAC roles and
/// bindings, and the resources of CRDs already stored.
enum Bootstrap {
    static func run(storage: RESTStorage, registry: ResourceRegistry, logger: Logger) async throws {
        var options = WriteOptions()
        options.fieldManager = "meridian-apiserver"
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            try await ensure(storage, CoreKinds.namespaces, nil, ["metadata": ["name": .string(ns)]], options)
        }
        for (name, rules) in clusterRoles {
            var labels: JSONValue = ["kubernetes.io/bootstrapping": "rbac-defaults"]
            if ["admin", "edit", "view"].contains(name) { labels["rbac.authorization.k8s.io/aggregate-to-\(name)"] = "true" }
            try await ensure(
                storage, OtherKinds.clusterRoles, nil, ["metadata": ["name": .string(name), "labels": labels], "rules": .array(rules)],
                options)
        }
        for (name, role, group) in clusterRoleBindings {
            try await ensure(
                storage, OtherKinds.clusterRoleBindings, nil,
                [
                    "metadata": ["name": .string(name), "labels": ["kubernetes.io/bootstrapping": "rbac-defaults"]],
                    "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": .string(role)],
                    "subjects": .array(group.map { ["apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": .string($0)] }),
                ], options)
        }
        let crds = try await storage.list(
            OtherKinds.customResourceDefinitions, namespace: nil, labelSelector: LabelSelector(), fieldSelector: FieldSelector(),
            limit: 0, continueToken: nil, resourceVersion: nil)
        for crd in crds.items where crd["metadata"]["deletionTimestamp"].isNull {
            registry.setCustomResources(
                crd: crd["metadata"]["name"].stringValue ?? "", CustomResourceDefinitions.definitions(from: crd))
        }
        logger.debug("bootstrap done", metadata: ["meridian.crds": "\(crds.items.count)"])
    }

    private static func ensure(
        _ storage: RESTStorage, _ def: ResourceDefinition, _ namespace: String?, _ object: JSONValue, _ options: WriteOptions
    ) async throws {
        do {
            _ = try await storage.create(def, namespace: namespace, body: object, options: options)
        } catch {
            if error.reason == .alreadyExists { return }
            throw error
        }
    }

    static func rule(_ groups: [String], _ resources: [String], _ verbs: [String]) -> JSONValue {
        [
            "apiGroups": .array(groups.map { .string($0) }), "resources": .array(resources.map { .string($0) }),
            "verbs": .array(verbs.map { .string($0) }),
        ]
    }

    static let readVerbs = ["get", "list", "watch"]
    static let writeVerbs = ["create", "delete", "deletecollection", "patch", "update"]
    static let workloadGroups = [
        "", "apps", "batch", "autoscaling", "policy", "networking.k8s.io", "discovery.k8s.io", "coordination.k8s.io", "events.k8s.io",
    ]
    static let namespacedResources = [
        "pods", "pods/log", "pods/status", "services", "services/status", "endpoints", "configmaps", "secrets", "serviceaccounts",
        "persistentvolumeclaims", "replicationcontrollers", "replicationcontrollers/scale", "events", "limitranges", "resourcequotas",
        "deployments", "deployments/scale", "deployments/status", "replicasets", "replicasets/scale", "statefulsets", "statefulsets/scale",
        "daemonsets", "controllerrevisions", "jobs", "cronjobs", "horizontalpodautoscalers", "poddisruptionbudgets", "ingresses",
        "networkpolicies", "endpointslices", "leases",
    ]

    static let clusterRoles: [(String, [JSONValue])] = [
        ("cluster-admin", [rule(["*"], ["*"], ["*"]), ["nonResourceURLs": ["*"], "verbs": ["*"]]]),
        (
            "admin",
            [
                rule(workloadGroups, namespacedResources, readVerbs + writeVerbs),
                rule(["rbac.authorization.k8s.io"], ["roles", "rolebindings"], readVerbs + writeVerbs),
                rule([""], ["namespaces"], readVerbs), rule(["authorization.k8s.io"], ["localsubjectaccessreviews"], ["create"]),
            ]
        ),
        ("edit", [rule(workloadGroups, namespacedResources, readVerbs + writeVerbs), rule([""], ["namespaces"], readVerbs)]),
        ("view", [rule(workloadGroups, namespacedResources.filter { $0 != "secrets" }, readVerbs), rule([""], ["namespaces"], readVerbs)]),
        (
            "system:discovery",
            [
                [
                    "nonResourceURLs": [
                        "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/readyz", "/openapi", "/openapi/*", "/version",
                        "/version/",
                    ], "verbs": ["get"],
                ]
            ]
        ),
        (
            "system:public-info-viewer",
            [["nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"], "verbs": ["get"]]]
        ),
        (
            "system:basic-user",
            [
                rule(["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], ["create"]),
                rule(["authentication.k8s.io"], ["selfsubjectreviews"], ["create"]),
            ]
        ),
    ]

    static let clusterRoleBindings: [(String, String, [String])] = [
        ("cluster-admin", "cluster-admin", ["system:masters"]),
        ("system:discovery", "system:discovery", ["system:authenticated"]),
        ("system:basic-user", "system:basic-user", ["system:authenticated"]),
        ("system:public-info-viewer", "system:public-info-viewer", ["system:authenticated", "system:unauthenticated"]),
    ]
}
