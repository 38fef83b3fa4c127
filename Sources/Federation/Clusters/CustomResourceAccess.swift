import FederationAPI
import KubeAPI
import KubeClient

/// The federation's access to custom resources in a member: the ClusterRole made at join
/// covers the built-in kinds only, so a second ClusterRole `meridian-<FED>-custom-resources`,
/// bound to the same ServiceAccount, grows with the custom resources the federation
/// propagates. Kept per member; rewritten only when the set changes.
actor CustomResourceAccess {
    let federationName: String
    private var granted: [String: (client: ObjectIdentifier, types: Set<ResourceType>)] = [:]

    init(federationName: String) {
        self.federationName = federationName
    }

    var name: String { MemberJoin.customResourcesRoleName(federation: federationName) }

    func ensure(cluster: String, member: KubeClient, types: Set<ResourceType>) async throws(KubeClientError) {
        let id = ObjectIdentifier(member.transport)
        if let current = granted[cluster], current.client == id, current.types == types { return }
        // The same subjects as the join's binding: whatever namespace the account lives in.
        let joinBinding = try await member.get(.clusterRoleBindings, name: "meridian-\(federationName)")
        let labels = MemberJoin.labels(federation: federationName)
        let rules = MemberJoin.propagationRules(for: types.sorted { $0.resource < $1.resource })
        let role: JSONValue = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": ["name": .string(name), "labels": labels],
            "rules": .array(rules),
        ]
        let binding: JSONValue = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": ["name": .string(name), "labels": labels],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": .string(name)],
            "subjects": joinBinding["subjects"],
        ]
        _ = try await member.apply(.clusterRoles, role, fieldManager: "meridian", force: true)
        _ = try await member.apply(.clusterRoleBindings, binding, fieldManager: "meridian", force: true)
        granted[cluster] = (id, types)
    }
}
