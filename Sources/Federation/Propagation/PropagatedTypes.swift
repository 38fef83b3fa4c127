import FederationAPI
import KubeAPI
import KubeClient

/// What the federation propagates, and the form a member copy takes.
public enum PropagatedTypes {
    /// Built-in kinds propagated to members (custom resources come with placement).
    public static let all: [ResourceType] = [
        .namespaces, .configMaps, .secrets, .services, .serviceAccounts, .deployments, .replicaSets, .statefulSets, .daemonSets, .jobs,
        .cronJobs,
        .ingresses, .persistentVolumeClaims, .limitRanges, .resourceQuotas, .podDisruptionBudgets, .customResourceDefinitions,
        ResourceType(group: "rbac.authorization.k8s.io", version: "v1", resource: "roles", kind: "Role", namespaced: true),
        ResourceType(group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings", kind: "RoleBinding", namespaced: true),
        .clusterRoles, .clusterRoleBindings,
    ]

    /// The propagated types without those `denylist` names (`resource` for the core group,
    /// `resource.group` otherwise, as `kubectl api-resources` spells them).
    public static func propagated(excluding denylist: Set<String>) -> [ResourceType] {
        all.filter { !denylist.contains($0.qualifiedResource) }
    }

    /// Namespaces every cluster has and manages itself.
    static let systemNamespaces: Set<String> = ["default", "kube-system", "kube-public", "kube-node-lease", Federation.systemNamespace]

    /// Objects each cluster makes for itself (or the federation keeps to itself).
    public static func isPropagated(_ type: ResourceType, _ object: JSONValue) -> Bool {
        let name = object["metadata"]["name"].stringValue ?? ""
        let namespace = object["metadata"]["namespace"].stringValue ?? ""
        if type == .namespaces { return !systemNamespaces.contains(name) }
        if type.namespaced, namespace == Federation.systemNamespace || namespace.hasPrefix("kube-") { return false }
        if !object["metadata"]["ownerReferences"].isNull { return false }  // made by a controller here
        switch type {
        case .serviceAccounts: return name != "default"
        case .configMaps: return name != "kube-root-ca.crt"
        case .secrets: return object["type"].stringValue != "kubernetes.io/service-account-token"
        case .clusterRoles, .clusterRoleBindings:
            return !name.hasPrefix("system:") && !["cluster-admin", "admin", "edit", "view"].contains(name)
                && object["metadata"]["labels"]["kubernetes.io/bootstrapping"].isNull
        case .customResourceDefinitions: return !name.hasSuffix(".\(Federation.group)")
        default: return true
        }
    }

    /// The field placement divides over clusters. A Job's parallelism is its replicas; its
    /// completions are divided in the same proportions (`completionShares`).
    static let replicaField: [ResourceType: String] = [
        .deployments: "replicas", .replicaSets: "replicas", .statefulSets: "replicas", .jobs: "parallelism",
    ]

    /// Each cluster's part of a Job's `completions`, in proportion to its parallelism share
    /// (as Karmada divides them); nil when the Job leaves completions unset (a work queue).
    static func completionShares(_ type: ResourceType, _ object: JSONValue, parallelism: [String: Int64]) -> [String: Int64]? {
        guard type == .jobs, let completions = object["spec"]["completions"].intValue, !parallelism.isEmpty else { return nil }
        return ReplicaDivision.divide(completions, weights: parallelism).replicas
    }

    /// The copy applied to a member: the object without server-owned metadata and status,
    /// labelled as managed, with its share of the replicas.
    public static func memberCopy(_ type: ResourceType, _ object: JSONValue, federation: String, replicas: Int64?) -> JSONValue {
        var copy: JSONValue = ["apiVersion": .string(type.apiVersion), "kind": .string(type.kind)]
        var metadata: JSONValue = ["name": object["metadata"]["name"]]
        if type.namespaced { metadata["namespace"] = object["metadata"]["namespace"] }
        var labels = object["metadata"]["labels"].objectValue ?? [:]
        labels[Federation.managedLabel] = "true"
        metadata["labels"] = .object(labels)
        var annotations = object["metadata"]["annotations"].objectValue ?? [:]
        annotations["kubectl.kubernetes.io/last-applied-configuration"] = nil
        annotations[Federation.placementAnnotation] = nil
        annotations[MemberIngress.annotation] = nil
        annotations[Federation.federationAnnotation] = .string(federation)
        metadata["annotations"] = .object(annotations)
        copy["metadata"] = metadata
        for (key, value) in object.objectValue ?? [:] where !["apiVersion", "kind", "metadata", "status"].contains(key) {
            copy[key] = value
        }
        switch type {
        case .services:
            // Each member allocates its own addresses and ports; headless stays headless.
            if copy["spec"]["clusterIP"].stringValue != "None" {
                copy["spec"]["clusterIP"] = .null
                copy["spec"]["clusterIPs"] = .null
            }
            if var ports = copy["spec"]["ports"].arrayValue {
                for i in ports.indices { ports[i]["nodePort"] = .null }
                copy["spec"]["ports"] = .array(ports)
            }
        case .jobs:
            // The selector and its labels are generated per cluster.
            copy["spec"]["selector"] = .null
            for label in ["controller-uid", "batch.kubernetes.io/controller-uid"] {
                copy["spec"]["template"]["metadata"]["labels"][label] = .null
            }
            copy["spec"]["manualSelector"] = .null
        case .serviceAccounts:
            copy["secrets"] = .null
        case .persistentVolumeClaims:
            copy["spec"]["volumeName"] = .null
        default: break
        }
        if let field = replicaField[type], let replicas { copy["spec"][field] = .int(replicas) }
        return copy
    }

}

extension ResourceType {
    /// `deployments.apps`, `configmaps`: the name `kubectl api-resources` and denylists use.
    public var qualifiedResource: String { group.isEmpty ? resource : "\(resource).\(group)" }
}

extension Federation {
    /// Annotation on member copies naming the federation that manages them.
    public static let federationAnnotation = "federation.meridian.dev/federation"
    /// Finalizer holding a federated object until its member copies are gone.
    public static let propagationFinalizer = "federation.meridian.dev/propagation"
}
