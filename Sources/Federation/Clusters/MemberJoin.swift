import FederationAPI
import KubeAPI
import KubeClient

/// The federation's footprint in a member: namespace, ServiceAccount `meridian-<FED>`, a
/// ClusterRole with what propagation and status need, its binding, and a token for it.
public struct MemberJoin: Sendable {
    public let federationName: String
    public let cluster: String
    public let namespace: String

    public init(federationName: String, cluster: String, namespace: String) {
        self.federationName = federationName
        self.cluster = cluster
        self.namespace = namespace
    }

    public var accountName: String { "meridian-\(federationName)" }

    /// The ClusterRole (and binding) the propagation controller grows as custom resources
    /// are propagated.
    static func customResourcesRoleName(federation: String) -> String { "meridian-\(federation)-custom-resources" }
    static let tokenLifetimeSeconds: Int64 = 365 * 24 * 3600

    var labels: JSONValue { Self.labels(federation: federationName) }
    static func labels(federation: String) -> JSONValue { ["federation.meridian.dev/federation": .string(federation)] }

    /// Full access to `types` and their status, one rule per API group (groups sorted,
    /// resources in the order given): what propagation needs of each kind it writes.
    static func propagationRules(for types: [ResourceType]) -> [JSONValue] {
        let verbs: JSONValue = ["get", "list", "watch", "create", "update", "patch", "delete"]
        var byGroup: [String: [String]] = [:]
        for type in types { byGroup[type.group, default: []] += [type.resource, "\(type.resource)/status"] }
        return byGroup.keys.sorted().map { group in
            ["apiGroups": [.string(group)], "resources": .array(byGroup[group]!.map(JSONValue.string)), "verbs": verbs]
        }
    }

    /// What propagation and status need: the propagated kinds (and their status), reading
    /// nodes and pods for topology and capacity, events. No pods/exec, no tokens, no impersonation.
    var role: JSONValue {
        var rules = Self.propagationRules(for: PropagatedTypes.all)
        rules.append(["apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list", "watch"]])
        // Pods are read (never changed) for the requests that byCapacity subtracts.
        rules.append(["apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]])
        rules.append(["apiGroups": ["", "events.k8s.io"], "resources": ["events"], "verbs": ["create", "patch", "get", "list", "watch"]])
        rules.append([
            "nonResourceURLs": ["/readyz", "/livez", "/healthz", "/version", "/api", "/api/*", "/apis", "/apis/*"], "verbs": ["get"],
        ])
        return [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": ["name": .string(accountName), "labels": labels], "rules": .array(rules),
        ]
    }

    var binding: JSONValue {
        [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": ["name": .string(accountName), "labels": labels],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": .string(accountName)],
            "subjects": [["kind": "ServiceAccount", "name": .string(accountName), "namespace": .string(namespace)]],
        ]
    }

    /// Creates (or keeps) the account and its role; returns a token for it.
    public func grantAccess(in member: KubeClient) async throws(KubeClientError) -> String {
        try await ensure(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]])
        try await ensure(
            .serviceAccounts,
            [
                "apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": ["name": .string(accountName), "namespace": .string(namespace), "labels": labels],
            ])
        // SSA so a re-join corrects rules and subjects that changed.
        _ = try await member.apply(.clusterRoles, role, fieldManager: "meridian-join", force: true)
        _ = try await member.apply(.clusterRoleBindings, binding, fieldManager: "meridian-join", force: true)
        let request: JSONValue = [
            "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
            "spec": ["expirationSeconds": .int(Self.tokenLifetimeSeconds), "audiences": []],
        ]
        let response = try await member.create(
            .serviceAccounts, namespace: namespace, request, subresourceOf: accountName, subresource: "token")
        guard let token = response["status"]["token"].stringValue, !token.isEmpty else {
            throw .malformedResponse("the member issued no token for \(namespace)/\(accountName)")
        }
        return token

        func ensure(_ type: ResourceType, _ object: JSONValue) async throws(KubeClientError) {
            do {
                _ = try await member.create(type, object)
            } catch {
                if !error.isAlreadyExists { throw error }
            }
        }
    }

    /// Removes the account, its role and binding (the namespace stays: it may hold more).
    public func revokeAccess(in member: KubeClient) async throws(KubeClientError) {
        for name in [accountName, Self.customResourcesRoleName(federation: federationName)] {
            try await member.deleteIfExists(.clusterRoleBindings, name: name)
            try await member.deleteIfExists(.clusterRoles, name: name)
        }
        try await member.deleteIfExists(.serviceAccounts, namespace: namespace, name: accountName)
    }

    /// Deletes what this federation propagated to the member (objects labelled managed and
    /// annotated with the federation's name). Namespaces stay: they may hold the member's own
    /// objects. Returns how many objects went.
    @discardableResult
    public func removePropagated(from member: KubeClient) async throws(KubeClientError) -> Int {
        var removed = 0
        for type in PropagatedTypes.all where type != .namespaces {
            let copies = try await member.listAll(type, options: ListOptions(labelSelector: "\(Federation.managedLabel)=true")).items
            for copy in copies where copy["metadata"]["annotations"][Federation.federationAnnotation].stringValue == federationName {
                try await member.deleteIfExists(
                    type, namespace: copy["metadata"]["namespace"].stringValue, name: copy["metadata"]["name"].stringValue ?? "",
                    options: DeleteOptions(propagationPolicy: .background))
                removed += 1
            }
        }
        return removed
    }

    /// Region and zone from the member's node labels (the most common values).
    public static func topology(of member: KubeClient) async throws(KubeClientError) -> (region: String?, zone: String?) {
        let nodes = try await member.list(Node.self)
        func mostCommon(_ values: [String]) -> String? {
            Dictionary(grouping: values, by: { $0 }).max { ($0.value.count, $1.key) < ($1.value.count, $0.key) }?.key
        }
        return (mostCommon(nodes.compactMap(\.region)), mostCommon(nodes.compactMap(\.zone)))
    }
}
