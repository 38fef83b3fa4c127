import Foundation
import KubeAPI
import KubeClient

/// The federation API group.
public enum Federation {
    public static let group = "federation.meridian.dev"
    public static let version = "v1alpha1"
    public static let apiVersion = "\(group)/\(version)"
    /// Where member credentials live in the federation API.
    public static let systemNamespace = "federation-system"
    /// Label on every member copy Meridian manages.
    public static let managedLabel = "federation.meridian.dev/managed"
}

extension ResourceType {
    public static let clusters = ResourceType(
        group: Federation.group, version: Federation.version, resource: "clusters", kind: "Cluster", namespaced: false)
}

/// A member cluster of the federation: where its API is, which Secret holds the
/// credentials, where it runs, and whether the control plane can reach it.
public struct Cluster: KubeResource {
    public static let resourceType = ResourceType.clusters
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }

    public var apiEndpoint: String {
        get { object["spec"]["apiEndpoint"].stringValue ?? "" }
        set { object["spec"]["apiEndpoint"] = .string(newValue) }
    }
    public var secretName: String? {
        get { object["spec"]["secretRef"]["name"].stringValue }
        set { object["spec"]["secretRef"] = newValue.map { ["name": .string($0)] } ?? .null }
    }
    public var region: String? {
        get { object["spec"]["region"].stringValue }
        set { object["spec"]["region"] = newValue.map(JSONValue.string) ?? .null }
    }
    public var zone: String? {
        get { object["spec"]["zone"].stringValue }
        set { object["spec"]["zone"] = newValue.map(JSONValue.string) ?? .null }
    }
    /// `Ready` or `Offline` (kubectl's STATUS column); nil until first probed.
    public var state: String? { object["status"]["state"].stringValue }
    public var isReady: Bool { state == ClusterState.ready.rawValue }
}

public enum ClusterState: String, Sendable {
    case ready = "Ready"
    case offline = "Offline"
}

/// The CustomResourceDefinitions the federation API serves.
public enum FederationResources {
    public static var definitions: [JSONValue] { [clusterDefinition] + PolicyDefinitions.all }

    static let clusterDefinition: JSONValue = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "clusters.federation.meridian.dev"],
        "spec": [
            "group": .string(Federation.group), "scope": "Cluster",
            "names": [
                "plural": "clusters", "singular": "cluster", "kind": "Cluster", "listKind": "ClusterList", "categories": ["federation"],
            ],
            "versions": [
                [
                    "name": .string(Federation.version), "served": true, "storage": true, "subresources": ["status": .emptyObject],
                    "additionalPrinterColumns": [
                        ["name": "Status", "type": "string", "jsonPath": ".status.state"],
                        ["name": "Region", "type": "string", "jsonPath": ".spec.region"],
                        ["name": "Zone", "type": "string", "jsonPath": ".spec.zone"],
                        ["name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"],
                    ],
                    "schema": [
                        "openAPIV3Schema": [
                            "type": "object",
                            "properties": [
                                "spec": [
                                    "type": "object", "required": ["apiEndpoint", "secretRef"],
                                    "properties": [
                                        "apiEndpoint": ["type": "string", "pattern": "^https?://"],
                                        "secretRef": ["type": "object", "required": ["name"], "properties": ["name": ["type": "string"]]],
                                        "region": ["type": "string"], "zone": ["type": "string"],
                                    ],
                                ],
                                "status": [
                                    "type": "object",
                                    "properties": [
                                        "state": ["type": "string", "enum": ["Ready", "Offline"]],
                                        "conditions": [
                                            "type": "array",
                                            "items": [
                                                "type": "object", "required": ["type", "status"],
                                                "properties": [
                                                    "type": ["type": "string"], "status": ["type": "string"], "reason": ["type": "string"],
                                                    "message": ["type": "string"],
                                                    "lastProbeTime": ["type": "string", "format": "date-time"],
                                                    "lastTransitionTime": ["type": "string", "format": "date-time"],
                                                ],
                                            ],
                                        ],
                                    ],
                                ],
                            ],
                        ]
                    ],
                ]
            ],
        ],
    ]
}
