import FederationAPI
import KubeAPI
import KubeClient
import Testing

@testable import Federation

@Suite struct OverridesTests {
    let deployment: JSONValue = [
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "namespace": "default"],
        "spec": [
            "replicas": 2,
            "template": [
                "spec": [
                    "containers": [
                        ["name": "web", "image": "nginx:1.27", "env": [["name": "A", "value": "1"], ["name": "B", "value": "2"]]],
                        ["name": "sidecar", "image": "registry.example.com:5000/tools/proxy:v1"],
                    ]
                ]
            ],
        ],
    ]

    func policy(_ json: JSONValue) -> OverridePolicy {
        OverridePolicy(object: ["metadata": ["name": "o", "namespace": "default"], "spec": json])
    }

    @Test func rulesApplyInOrderToMatchingClustersOnly() throws {
        let p = policy([
            "resourceSelectors": [["apiVersion": "apps/v1", "kind": "Deployment"]],
            "rules": [
                [
                    "clusters": ["names": ["m2"]], "image": ["container": "web", "value": "nginx:1.28"], "replicas": 3,
                    "labels": ["tier": "canary"], "annotations": ["note": "m2"], "args": ["container": "web", "value": ["-v"]],
                    "env": ["container": "web", "set": ["B": "20", "C": "3"], "remove": ["A"]],
                    "jsonPatch": [["op": "add", "path": "/spec/minReadySeconds", "value": 5]],
                ],
                ["clusters": ["names": ["m2"]], "image": ["value": "nginx:1.29", "container": "web"]],
            ],
        ])
        let m2 = ClusterCandidate(name: "m2", ready: true)
        let out = try Overrides.apply([p], to: deployment, type: .deployments, cluster: m2, replicaField: "replicas")
        let web = out["spec"]["template"]["spec"]["containers"][0]
        #expect(web["image"] == "nginx:1.29")
        #expect(web["args"] == ["-v"])
        #expect(web["env"] == [["name": "B", "value": "20"], ["name": "C", "value": "3"]])
        #expect(out["spec"]["replicas"] == 3)
        #expect(out["spec"]["minReadySeconds"] == 5)
        #expect(out["metadata"]["labels"]["tier"] == "canary")
        #expect(out["metadata"]["annotations"]["note"] == "m2")
        #expect(out["spec"]["template"]["spec"]["containers"][1]["image"] == "registry.example.com:5000/tools/proxy:v1")
        let m1 = ClusterCandidate(name: "m1", ready: true)
        #expect(try Overrides.apply([p], to: deployment, type: .deployments, cluster: m1, replicaField: "replicas") == deployment)
    }

    @Test func registryAndTagForEveryContainer() throws {
        let p = policy([
            "resourceSelectors": [["apiVersion": "apps/v1", "kind": "Deployment"]],
            "rules": [["image": ["registry": "mirror.local", "tag": "stable"]]],
        ])
        let out = try Overrides.apply([p], to: deployment, type: .deployments, cluster: .init(name: "x", ready: true), replicaField: nil)
        #expect(out["spec"]["template"]["spec"]["containers"][0]["image"] == "mirror.local/nginx:stable")
        #expect(out["spec"]["template"]["spec"]["containers"][1]["image"] == "mirror.local/tools/proxy:stable")
        #expect(Overrides.replacing("nginx:1.27", registry: nil, tag: "1.28") == "nginx:1.28")
        #expect(Overrides.replacing("localhost/app", registry: "r.io", tag: nil) == "r.io/app")
    }

    @Test func aFailingPatchIsAnError() {
        let p = policy([
            "resourceSelectors": [["apiVersion": "apps/v1", "kind": "Deployment"]],
            "rules": [["jsonPatch": [["op": "remove", "path": "/spec/nothing"]]]],
        ])
        #expect(throws: Overrides.Failure.jsonPatch(policy: "OverridePolicy default/o", reason: "pathNotFound(\"nothing\")")) {
            try Overrides.apply([p], to: deployment, type: .deployments, cluster: .init(name: "x", ready: true), replicaField: nil)
        }
    }
}

@Suite struct PolicyValidationTests {
    func errors(_ kind: String, _ spec: JSONValue, namespace: String? = "default") -> [String] {
        var object: JSONValue = ["metadata": ["name": "p"], "spec": spec]
        if let namespace { object["metadata"]["namespace"] = .string(namespace) }
        let resource = kind == "PropagationPolicy" ? "propagationpolicies" : "overridepolicies"
        return (PolicyValidation.validators["\(resource).\(Federation.group)"]!(object, nil)).map { "\($0.field): \($0.detail)" }
    }

    @Test func propagationPolicyRules() {
        let selectors: JSONValue = [["apiVersion": "apps/v1", "kind": "Deployment"]]
        #expect(errors("PropagationPolicy", ["resourceSelectors": selectors, "placement": ["clusterNames": ["nowhere"]]]).isEmpty)
        #expect(
            errors("PropagationPolicy", ["resourceSelectors": []]) == ["spec.resourceSelectors: at least one resource selector is required"]
        )
        #expect(
            errors(
                "PropagationPolicy",
                [
                    "resourceSelectors": [["kind": "Deployment", "namespace": "other"]],
                    "placement": ["spread": ["by": "region", "minGroups": 3, "maxGroups": 2], "maxClusters": 2],
                    "replicas": ["minPerCluster": 4, "maxPerCluster": 2, "weights": [["weight": 1]]],
                ]) == [
                    "spec.resourceSelectors[0].apiVersion: kind needs apiVersion",
                    "spec.resourceSelectors[0].namespace: a namespaced policy selects objects of its own namespace only",
                    "spec.placement.spread.maxGroups: must be at least minGroups (3)",
                    "spec.placement.maxClusters: must be at least spread.minGroups (3)",
                    "spec.replicas.maxPerCluster: must be at least minPerCluster (4)",
                    "spec.replicas.weights[0]: exactly one of cluster and clusterSelector is required",
                ])
    }

    @Test func overridePolicyRules() {
        let selectors: JSONValue = [["apiVersion": "apps/v1", "kind": "Deployment"]]
        #expect(
            errors(
                "OverridePolicy",
                [
                    "resourceSelectors": selectors,
                    "rules": [
                        ["image": ["container": "web", "tag": "x"]], ["clusters": ["names": ["m1"]]],
                        ["jsonPatch": [["op": "add", "path": "spec"]]],
                    ],
                ]) == [
                    "spec.rules[0].image: give either container and value, or registry and/or tag",
                    "spec.rules[1]: a rule needs at least one override",
                    "spec.rules[2].jsonPatch[0].path: must be a JSON pointer starting with /",
                    "spec.rules[2].jsonPatch[0].value: add needs a value",
                ])
    }
}
