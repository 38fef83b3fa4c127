import Foundation
import KubeAPI
import KubeClient

extension ResourceType {
    public static let propagationPolicies = ResourceType(
        group: Federation.group, version: Federation.version, resource: "propagationpolicies", kind: "PropagationPolicy",
        namespaced: true)
    public static let clusterPropagationPolicies = ResourceType(
        group: Federation.group, version: Federation.version, resource: "clusterpropagationpolicies",
        kind: "ClusterPropagationPolicy", namespaced: false)
    public static let overridePolicies = ResourceType(
        group: Federation.group, version: Federation.version, resource: "overridepolicies", kind: "OverridePolicy", namespaced: true)
    public static let clusterOverridePolicies = ResourceType(
        group: Federation.group, version: Federation.version, resource: "clusteroverridepolicies", kind: "ClusterOverridePolicy",
        namespaced: false)
}

extension Federation {
    /// Drift mode of a federated object: `revert` (default), `report` or `ignore`.
    public static let driftAnnotation = "federation.meridian.dev/drift"
    /// `true` on a member copy: Meridian leaves that copy alone until it is removed.
    public static let handsOffAnnotation = "federation.meridian.dev/hands-off"
    /// The scheduling result of a federated object (JSON), written by the control plane.
    public static let placementAnnotation = "federation.meridian.dev/placement"
    /// Cluster label keys `clusterSelector`s see besides a Cluster's own labels.
    public static let regionLabel = "topology.kubernetes.io/region"
    public static let zoneLabel = "topology.kubernetes.io/zone"
    public static let clusterNameLabel = "federation.meridian.dev/cluster-name"
}

/// Which federated objects a policy applies to: every given field must match.
public struct ResourceSelector: Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var name: String?
    public var namespace: String?
    public var labelSelector: LabelSelector?

    public init(
        apiVersion: String? = nil, kind: String? = nil, name: String? = nil, namespace: String? = nil,
        labelSelector: LabelSelector? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.labelSelector = labelSelector
    }

    init(_ json: JSONValue) {
        apiVersion = json["apiVersion"].stringValue
        kind = json["kind"].stringValue
        name = json["name"].stringValue
        namespace = json["namespace"].stringValue
        labelSelector = json["labelSelector"].isNull ? nil : try? LabelSelector.from(object: json["labelSelector"])
    }

    public func matches(apiVersion: String, kind: String, object: JSONValue) -> Bool {
        if let a = self.apiVersion, a != apiVersion { return false }
        if let k = self.kind, k != kind { return false }
        if let n = name, n != object["metadata"]["name"].stringValue { return false }
        if let ns = namespace, ns != (object["metadata"]["namespace"].stringValue ?? "") { return false }
        if let selector = labelSelector, !selector.matches(object["metadata"]["labels"].stringMap) { return false }
        return true
    }
}

/// Where a policy places objects.
public struct Placement: Sendable, Hashable {
    public enum SpreadKey: String, Sendable { case region, zone }
    public struct Spread: Sendable, Hashable {
        public var by: SpreadKey
        public var minGroups: Int
        public var maxGroups: Int?
        public init(by: SpreadKey, minGroups: Int = 1, maxGroups: Int? = nil) {
            self.by = by
            self.minGroups = minGroups
            self.maxGroups = maxGroups
        }
    }
    public var clusterNames: [String]?
    public var clusterSelector: LabelSelector?
    public var excludeClusters: [String]
    public var spread: Spread?
    public var maxClusters: Int?

    public init(
        clusterNames: [String]? = nil, clusterSelector: LabelSelector? = nil, excludeClusters: [String] = [], spread: Spread? = nil,
        maxClusters: Int? = nil
    ) {
        self.clusterNames = clusterNames
        self.clusterSelector = clusterSelector
        self.excludeClusters = excludeClusters
        self.spread = spread
        self.maxClusters = maxClusters
    }

    init(_ json: JSONValue) {
        clusterNames = json["clusterNames"].arrayValue?.compactMap(\.stringValue)
        clusterSelector = json["clusterSelector"].isNull ? nil : try? LabelSelector.from(object: json["clusterSelector"])
        excludeClusters = json["excludeClusters"].arrayValue?.compactMap(\.stringValue) ?? []
        if let by = json["spread"]["by"].stringValue.flatMap(SpreadKey.init) {
            spread = Spread(
                by: by, minGroups: Int(json["spread"]["minGroups"].intValue ?? 1),
                maxGroups: json["spread"]["maxGroups"].intValue.map(Int.init))
        }
        maxClusters = json["maxClusters"].intValue.map(Int.init)
    }
}

/// How a policy divides replicas over the clusters it selects.
public struct ReplicaScheduling: Sendable, Hashable {
    public enum Mode: String, Sendable {
        case divided = "Divided"
        case duplicated = "Duplicated"
    }
    public struct Weight: Sendable, Hashable {
        public var cluster: String?
        public var clusterSelector: LabelSelector?
        public var weight: Int64
        public init(cluster: String? = nil, clusterSelector: LabelSelector? = nil, weight: Int64) {
            self.cluster = cluster
            self.clusterSelector = clusterSelector
            self.weight = weight
        }
    }
    public var mode: Mode
    public var weights: [Weight]
    public var byCapacity: Bool
    public var minPerCluster: Int64
    public var maxPerCluster: Int64?

    public init(
        mode: Mode = .divided, weights: [Weight] = [], byCapacity: Bool = false, minPerCluster: Int64 = 0, maxPerCluster: Int64? = nil
    ) {
        self.mode = mode
        self.weights = weights
        self.byCapacity = byCapacity
        self.minPerCluster = minPerCluster
        self.maxPerCluster = maxPerCluster
    }

    init(_ json: JSONValue) {
        mode = json["mode"].stringValue.flatMap(Mode.init) ?? .divided
        weights = (json["weights"].arrayValue ?? []).map { entry in
            Weight(
                cluster: entry["cluster"].stringValue,
                clusterSelector: entry["clusterSelector"].isNull ? nil : try? LabelSelector.from(object: entry["clusterSelector"]),
                weight: entry["weight"].intValue ?? 1)
        }
        byCapacity = json["byCapacity"].boolValue ?? false
        minPerCluster = json["minPerCluster"].intValue ?? 0
        maxPerCluster = json["maxPerCluster"].intValue
    }
}

/// What happens to replicas on a cluster that stays Offline.
public struct Failover: Sendable, Hashable {
    public enum ReturnPolicy: String, Sendable {
        case rebalance = "Rebalance"
        case stay = "Stay"
    }
    /// 0 disables failover.
    public var clusterOfflineSeconds: Int
    public var returnPolicy: ReturnPolicy

    public static let defaultOfflineSeconds = 30

    public init(clusterOfflineSeconds: Int = Failover.defaultOfflineSeconds, returnPolicy: ReturnPolicy = .rebalance) {
        self.clusterOfflineSeconds = clusterOfflineSeconds
        self.returnPolicy = returnPolicy
    }

    init(_ json: JSONValue) {
        clusterOfflineSeconds = Int(json["clusterOfflineSeconds"].intValue ?? Int64(Self.defaultOfflineSeconds))
        returnPolicy = json["returnPolicy"].stringValue.flatMap(ReturnPolicy.init) ?? .rebalance
    }
}

/// A PropagationPolicy or ClusterPropagationPolicy, decoded (named apart from KubeClient's
/// deletion `PropagationPolicy`).
public struct PlacementPolicy: Sendable, Hashable {
    public var name: String
    /// nil for a ClusterPropagationPolicy.
    public var namespace: String?
    public var creationTimestamp: String
    public var resourceSelectors: [ResourceSelector]
    public var priority: Int64
    public var placement: Placement
    public var replicas: ReplicaScheduling
    public var failover: Failover

    public init(
        name: String, namespace: String?, creationTimestamp: String = "", resourceSelectors: [ResourceSelector], priority: Int64 = 0,
        placement: Placement = Placement(), replicas: ReplicaScheduling = ReplicaScheduling(), failover: Failover = Failover()
    ) {
        self.name = name
        self.namespace = namespace
        self.creationTimestamp = creationTimestamp
        self.resourceSelectors = resourceSelectors
        self.priority = priority
        self.placement = placement
        self.replicas = replicas
        self.failover = failover
    }

    public init(object: JSONValue) {
        let spec = object["spec"]
        self.init(
            name: object["metadata"]["name"].stringValue ?? "", namespace: object["metadata"]["namespace"].stringValue,
            creationTimestamp: object["metadata"]["creationTimestamp"].stringValue ?? "",
            resourceSelectors: (spec["resourceSelectors"].arrayValue ?? []).map(ResourceSelector.init),
            priority: spec["priority"].intValue ?? 0,
            placement: Placement(spec["placement"]), replicas: ReplicaScheduling(spec["replicas"]), failover: Failover(spec["failover"]))
    }

    /// `PropagationPolicy ns/name` or `ClusterPropagationPolicy name`.
    public var reference: String {
        namespace.map { "PropagationPolicy \($0)/\(name)" } ?? "ClusterPropagationPolicy \(name)"
    }
}

extension JSONValue {
    /// A string-to-string object (labels, annotations); other values are skipped.
    public var stringMap: [String: String] {
        (objectValue ?? [:]).reduce(into: [:]) { out, entry in
            if let s = entry.value.stringValue { out[entry.key] = s }
        }
    }
}

extension Cluster {
    /// What `clusterSelector`s see: the Cluster's labels plus its region, zone and name.
    public var placementLabels: [String: String] {
        var labels = object["metadata"]["labels"].stringMap
        if let region { labels[Federation.regionLabel] = region }
        if let zone { labels[Federation.zoneLabel] = zone }
        labels[Federation.clusterNameLabel] = name
        return labels
    }

    /// Since when the cluster has been Offline (the Offline condition's lastTransitionTime),
    /// kept in the Cluster's status so it survives a control-plane restart.
    public var offlineSince: Date? {
        guard state == ClusterState.offline.rawValue else { return nil }
        let condition = (object["status"]["conditions"].arrayValue ?? []).first { $0["type"] == "Offline" && $0["status"] == "True" }
        return condition?["lastTransitionTime"].stringValue.flatMap(Timestamp.parse)
    }
}
