import KubeAPI

/// One kind of API resource as the REST API addresses it: group, version, plural
/// resource name, the kind it holds and whether it lives in namespaces.
public struct ResourceType: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var resource: String
    public var kind: String
    public var namespaced: Bool

    public init(group: String, version: String, resource: String, kind: String, namespaced: Bool) {
        self.group = group
        self.version = version
        self.resource = resource
        self.kind = kind
        self.namespaced = namespaced
    }

    /// `apps/v1`, or `v1` for the core group.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `deployments.apps`, or `pods` for the core group (the form kubectl and errors use).
    public var description: String { group.isEmpty ? resource : "\(resource).\(group)" }

    /// The collection or object path: `/apis/apps/v1/namespaces/ns/deployments/name/status`.
    public func path(namespace: String? = nil, name: String? = nil, subresource: String? = nil) -> String {
        var path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced, let namespace { path += "/namespaces/\(namespace)" }
        path += "/\(resource)"
        if let name {
            path += "/\(name)"
            if let subresource { path += "/\(subresource)" }
        }
        return path
    }
}

extension ResourceType {
    public static let namespaces = ResourceType(group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false)
    public static let nodes = ResourceType(group: "", version: "v1", resource: "nodes", kind: "Node", namespaced: false)
    public static let pods = ResourceType(group: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true)
    public static let services = ResourceType(group: "", version: "v1", resource: "services", kind: "Service", namespaced: true)
    public static let endpoints = ResourceType(group: "", version: "v1", resource: "endpoints", kind: "Endpoints", namespaced: true)
    public static let configMaps = ResourceType(group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true)
    public static let secrets = ResourceType(group: "", version: "v1", resource: "secrets", kind: "Secret", namespaced: true)
    public static let serviceAccounts = ResourceType(
        group: "", version: "v1", resource: "serviceaccounts", kind: "ServiceAccount", namespaced: true)
    public static let events = ResourceType(group: "", version: "v1", resource: "events", kind: "Event", namespaced: true)
    public static let replicationControllers = ResourceType(
        group: "", version: "v1", resource: "replicationcontrollers", kind: "ReplicationController", namespaced: true)
    public static let resourceQuotas = ResourceType(
        group: "", version: "v1", resource: "resourcequotas", kind: "ResourceQuota", namespaced: true)
    public static let limitRanges = ResourceType(group: "", version: "v1", resource: "limitranges", kind: "LimitRange", namespaced: true)
    public static let persistentVolumeClaims = ResourceType(
        group: "", version: "v1", resource: "persistentvolumeclaims", kind: "PersistentVolumeClaim", namespaced: true)
    public static let deployments = ResourceType(
        group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true)
    public static let replicaSets = ResourceType(
        group: "apps", version: "v1", resource: "replicasets", kind: "ReplicaSet", namespaced: true)
    public static let statefulSets = ResourceType(
        group: "apps", version: "v1", resource: "statefulsets", kind: "StatefulSet", namespaced: true)
    public static let daemonSets = ResourceType(group: "apps", version: "v1", resource: "daemonsets", kind: "DaemonSet", namespaced: true)
    public static let controllerRevisions = ResourceType(
        group: "apps", version: "v1", resource: "controllerrevisions", kind: "ControllerRevision", namespaced: true)
    public static let jobs = ResourceType(group: "batch", version: "v1", resource: "jobs", kind: "Job", namespaced: true)
    public static let cronJobs = ResourceType(group: "batch", version: "v1", resource: "cronjobs", kind: "CronJob", namespaced: true)
    public static let endpointSlices = ResourceType(
        group: "discovery.k8s.io", version: "v1", resource: "endpointslices", kind: "EndpointSlice", namespaced: true)
    public static let leases = ResourceType(
        group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease", namespaced: true)
    public static let podDisruptionBudgets = ResourceType(
        group: "policy", version: "v1", resource: "poddisruptionbudgets", kind: "PodDisruptionBudget", namespaced: true)
    public static let ingresses = ResourceType(
        group: "networking.k8s.io", version: "v1", resource: "ingresses", kind: "Ingress", namespaced: true)
    public static let customResourceDefinitions = ResourceType(
        group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions", kind: "CustomResourceDefinition",
        namespaced: false)
    public static let clusterRoles = ResourceType(
        group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles", kind: "ClusterRole", namespaced: false)
    public static let roles = ResourceType(
        group: "rbac.authorization.k8s.io", version: "v1", resource: "roles", kind: "Role", namespaced: true)
    public static let roleBindings = ResourceType(
        group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings", kind: "RoleBinding", namespaced: true)
    public static let clusterRoleBindings = ResourceType(
        group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterrolebindings", kind: "ClusterRoleBinding",
        namespaced: false)
}
