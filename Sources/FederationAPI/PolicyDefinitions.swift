import KubeAPI

/// The CustomResourceDefinitions of the four policy kinds: structural schemas for types,
/// enums and bounds; `PolicyValidation` checks what a schema cannot say.
enum PolicyDefinitions {
    static var all: [JSONValue] {
        [
            definition(kind: "PropagationPolicy", plural: "propagationpolicies", shortName: "pp", namespaced: true, spec: propagationSpec),
            definition(
                kind: "ClusterPropagationPolicy", plural: "clusterpropagationpolicies", shortName: "cpp", namespaced: false,
                spec: propagationSpec),
            definition(kind: "OverridePolicy", plural: "overridepolicies", shortName: "op", namespaced: true, spec: overrideSpec),
            definition(
                kind: "ClusterOverridePolicy", plural: "clusteroverridepolicies", shortName: "cop", namespaced: false, spec: overrideSpec),
        ]
    }

    static let string: JSONValue = ["type": "string"]
    static let strings: JSONValue = ["type": "array", "items": string]
    static let stringMap: JSONValue = ["type": "object", "additionalProperties": string]
    static func integer(minimum: Int64) -> JSONValue { ["type": "integer", "minimum": .int(minimum)] }

    static let labelSelector: JSONValue = [
        "type": "object",
        "properties": [
            "matchLabels": stringMap,
            "matchExpressions": [
                "type": "array",
                "items": [
                    "type": "object", "required": ["key", "operator"],
                    "properties": [
                        "key": string, "operator": ["type": "string", "enum": ["In", "NotIn", "Exists", "DoesNotExist"]], "values": strings,
                    ],
                ],
            ],
        ],
    ]

    static let resourceSelectors: JSONValue = [
        "type": "array",
        "items": [
            "type": "object",
            "properties": ["apiVersion": string, "kind": string, "name": string, "namespace": string, "labelSelector": labelSelector],
        ],
    ]

    static let propagationSpec: JSONValue = [
        "type": "object", "required": ["resourceSelectors"],
        "properties": [
            "resourceSelectors": resourceSelectors,
            "priority": ["type": "integer"],
            "placement": [
                "type": "object",
                "properties": [
                    "clusterNames": strings, "clusterSelector": labelSelector, "excludeClusters": strings,
                    "spread": [
                        "type": "object", "required": ["by"],
                        "properties": [
                            "by": ["type": "string", "enum": ["region", "zone"]], "minGroups": integer(minimum: 1),
                            "maxGroups": integer(minimum: 1),
                        ],
                    ],
                    "maxClusters": integer(minimum: 1),
                ],
            ],
            "replicas": [
                "type": "object",
                "properties": [
                    "mode": ["type": "string", "enum": ["Divided", "Duplicated"]],
                    "weights": [
                        "type": "array",
                        "items": [
                            "type": "object", "required": ["weight"],
                            "properties": ["cluster": string, "clusterSelector": labelSelector, "weight": integer(minimum: 0)],
                        ],
                    ],
                    "byCapacity": ["type": "boolean"],
                    "minPerCluster": integer(minimum: 0),
                    "maxPerCluster": integer(minimum: 0),
                ],
            ],
            "failover": [
                "type": "object",
                "properties": [
                    "clusterOfflineSeconds": integer(minimum: 0),
                    "returnPolicy": ["type": "string", "enum": ["Rebalance", "Stay"]],
                ],
            ],
        ],
    ]

    static let overrideSpec: JSONValue = [
        "type": "object", "required": ["resourceSelectors", "rules"],
        "properties": [
            "resourceSelectors": resourceSelectors,
            "rules": [
                "type": "array",
                "items": [
                    "type": "object",
                    "properties": [
                        "clusters": ["type": "object", "properties": ["names": strings, "selector": labelSelector]],
                        "image": [
                            "type": "object", "properties": ["container": string, "value": string, "registry": string, "tag": string],
                        ],
                        "replicas": integer(minimum: 0),
                        "labels": stringMap,
                        "annotations": stringMap,
                        "args": ["type": "object", "required": ["container"], "properties": ["container": string, "value": strings]],
                        "env": [
                            "type": "object", "properties": ["container": string, "set": stringMap, "remove": strings],
                        ],
                        "jsonPatch": [
                            "type": "array",
                            "items": [
                                "type": "object", "required": ["op", "path"],
                                "properties": [
                                    "op": ["type": "string", "enum": ["add", "remove", "replace", "move", "copy", "test"]],
                                    "path": string, "from": string,
                                    "value": ["x-kubernetes-preserve-unknown-fields": true],
                                ],
                            ],
                        ],
                    ],
                ],
            ],
        ],
    ]

    static func definition(kind: String, plural: String, shortName: String, namespaced: Bool, spec: JSONValue) -> JSONValue {
        [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": ["name": .string("\(plural).\(Federation.group)")],
            "spec": [
                "group": .string(Federation.group), "scope": namespaced ? "Namespaced" : "Cluster",
                "names": [
                    "plural": .string(plural), "singular": .string(kind.lowercased()), "kind": .string(kind),
                    "listKind": .string("\(kind)List"), "shortNames": [.string(shortName)], "categories": ["federation"],
                ],
                "versions": [
                    [
                        "name": .string(Federation.version), "served": true, "storage": true, "subresources": ["status": .emptyObject],
                        "additionalPrinterColumns": [
                            ["name": "Matched", "type": "integer", "jsonPath": ".status.matchedCount"],
                            ["name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"],
                        ],
                        "schema": [
                            "openAPIV3Schema": [
                                "type": "object", "required": ["spec"],
                                "properties": [
                                    "spec": spec,
                                    "status": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                                ],
                            ]
                        ],
                    ]
                ],
            ],
        ]
    }
}
