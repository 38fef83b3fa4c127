import KubeAPI
import Testing

@testable import Federation

/// Drift as managedFields tell it: what other clients changed or added is drift; what
/// Meridian still owns differs only because the federation changed; what other
/// server-side appliers own is theirs.
@Suite struct FieldOwnershipTests {
    static let web = #"k:{"name":"web"}"#
    let actual: JSONValue = [
        "metadata": [
            "name": "app", "annotations": ["hpa.example/owned": "yes"],
            "managedFields": [
                [
                    "manager": "meridian", "operation": "Apply",
                    "fieldsV1": [
                        "f:spec": [
                            "f:replicas": .emptyObject,
                            "f:template": [
                                "f:spec": [
                                    "f:containers": [Self.web: [".": .emptyObject, "f:name": .emptyObject, "f:image": .emptyObject]]
                                ]
                            ],
                        ]
                    ],
                ],
                [
                    "manager": "kubectl", "operation": "Update", "subresource": "scale",
                    "fieldsV1": ["f:spec": ["f:replicas": .emptyObject]],
                ],
                [
                    "manager": "kubectl-set", "operation": "Update",
                    "fieldsV1": ["f:spec": ["f:template": ["f:spec": ["f:containers": [Self.web: ["f:env": [".": .emptyObject]]]]]]],
                ],
                [
                    "manager": "kube-controller-manager", "operation": "Update", "subresource": "status",
                    "fieldsV1": ["f:status": .emptyObject],
                ],
                [
                    "manager": "autoscaler", "operation": "Apply",
                    "fieldsV1": ["f:metadata": ["f:annotations": ["f:hpa.example/owned": .emptyObject]]],
                ],
            ],
        ],
        "spec": [
            "replicas": 5,
            "template": ["spec": ["containers": [["name": "web", "image": "nginx:1", "env": [["name": "MODE", "value": "debug"]]]]]],
        ],
        "status": ["replicas": 5],
    ]

    var desired: JSONValue {
        [
            "metadata": ["name": "app", "annotations": ["hpa.example/owned": "no"]],
            "spec": ["replicas": 2, "template": ["spec": ["containers": [["name": "web", "image": "nginx:2"]]]]],
        ]
    }

    @Test func changedByOthersIsDriftTheFederationsOwnChangeIsNot() {
        let updaters = FieldOwnership.trees(actual, operation: "Update", except: "meridian")
        #expect(updaters.count == 2)
        let (paths, adopted) = FieldOwnership.changed(desired: desired, actual: actual, trees: updaters)
        #expect(paths == ["spec.replicas"])
        #expect(adopted["spec"]["replicas"] == 5)
        // The image differs because the federation changed it: it goes out as the federation says.
        #expect(adopted["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:2")
    }

    @Test func fieldsOthersAddedUnderSpec() {
        let added = FieldOwnership.trees(actual, operation: "Update", except: "meridian").flatMap {
            FieldOwnership.added(desired: desired, actual: actual, tree: $0)
        }
        #expect(added == ["spec.template.spec.containers[web].env"])
    }

    @Test func otherAppliersFieldsAreLeftToThem() {
        let appliers = FieldOwnership.trees(actual, operation: "Apply", except: "meridian")
        let pruned = appliers.reduce(desired) { FieldOwnership.pruning($0, ownedBy: $1) }
        #expect(pruned["metadata"]["annotations"] == .emptyObject)
        #expect(pruned["spec"] == desired["spec"])
    }
}
