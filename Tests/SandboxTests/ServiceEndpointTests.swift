import KubeAPI
import Testing

@testable import Sandbox

/// Endpoints, EndpointSlice and mirroring content computed from Services and pods.
@Suite struct ServiceEndpointTests {
    static func pod(
        _ name: String, ip: String?, ready: Bool = true, node: String = "n1", labels: JSONValue = ["app": "web"], deleting: Bool = false,
        ports: JSONValue = [["name": "http", "containerPort": 8080]]
    ) -> JSONValue {
        var pod: JSONValue = [
            "metadata": ["name": .string(name), "namespace": "default", "uid": .string("uid-\(name)"), "labels": labels],
            "spec": ["nodeName": .string(node), "containers": [["name": "c", "ports": ports]]],
            "status": [
                "phase": "Running", "conditions": [["type": "Ready", "status": .string(ready ? "True" : "False")]],
            ],
        ]
        if let ip { pod["status"]["podIP"] = .string(ip) }
        if deleting { pod["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:00Z" }
        return pod
    }

    static func service(ports: JSONValue, labels: JSONValue = [:]) -> JSONValue {
        [
            "metadata": ["name": "web", "namespace": "default", "uid": "svc-uid", "labels": labels],
            "spec": ["selector": ["app": "web"], "ports": ports, "clusterIP": "10.96.0.10"],
        ]
    }

    static func ref(_ name: String) -> JSONValue {
        ["kind": "Pod", "namespace": "default", "name": .string(name), "uid": .string("uid-\(name)")]
    }

    @Test func targetPortsResolveByNumberNameOrDefault() {
        let pod = Self.pod(
            "a", ip: "10.0.0.1",
            ports: [["name": "http", "containerPort": 8080], ["name": "dns", "containerPort": 53, "protocol": "UDP"]])
        #expect(PodEndpointRules.resolve(["port": 80, "targetPort": 9090], in: pod) == 9090)
        #expect(PodEndpointRules.resolve(["port": 80, "targetPort": "http"], in: pod) == 8080)
        #expect(PodEndpointRules.resolve(["port": 80], in: pod) == 80)
        #expect(PodEndpointRules.resolve(["port": 80, "targetPort": 0], in: pod) == 80)
        #expect(PodEndpointRules.resolve(["port": 80, "targetPort": "metrics"], in: pod) == nil)
        // A named port matches only a container port of the same protocol.
        #expect(PodEndpointRules.resolve(["port": 53, "targetPort": "dns"], in: pod) == nil)
        #expect(PodEndpointRules.resolve(["port": 53, "targetPort": "dns", "protocol": "UDP"], in: pod) == 53)
    }

    @Test func podsInEndpointsHaveAnIPAndAreNotFinished() {
        #expect(PodEndpointRules.belongsInEndpoints(Self.pod("a", ip: "10.0.0.1"), includeTerminating: false))
        #expect(!PodEndpointRules.belongsInEndpoints(Self.pod("a", ip: nil), includeTerminating: false))
        #expect(!PodEndpointRules.belongsInEndpoints(Self.pod("a", ip: ""), includeTerminating: true))
        #expect(!PodEndpointRules.belongsInEndpoints(Self.pod("a", ip: "10.0.0.1", deleting: true), includeTerminating: false))
        #expect(PodEndpointRules.belongsInEndpoints(Self.pod("a", ip: "10.0.0.1", deleting: true), includeTerminating: true))
        var done = Self.pod("a", ip: "10.0.0.1")
        done["spec"]["restartPolicy"] = "Never"
        done["status"]["phase"] = "Succeeded"
        #expect(!PodEndpointRules.belongsInEndpoints(done, includeTerminating: false))
    }

    @Test func endpointsSplitReadyFromNotReadyAndGroupByResolvedPorts() {
        let service = Self.service(ports: [["name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"]])
        let pods = [
            Self.pod("b", ip: "10.0.0.2"), Self.pod("a", ip: "10.0.0.10"), Self.pod("c", ip: "10.0.0.3", ready: false),
            Self.pod("d", ip: nil), Self.pod("e", ip: "10.0.0.5", deleting: true),
            Self.pod("f", ip: "10.0.0.6", ports: [["name": "http", "containerPort": 9090]]),
            Self.pod("g", ip: "10.0.0.7", ports: []),
        ]
        let subsets = EndpointsBuilder.subsets(service: service, pods: pods)
        func address(_ name: String, _ ip: String) -> JSONValue { ["ip": .string(ip), "nodeName": "n1", "targetRef": Self.ref(name)] }
        let expected: [JSONValue] = [
            [
                "addresses": [address("a", "10.0.0.10"), address("b", "10.0.0.2")],
                "notReadyAddresses": [address("c", "10.0.0.3")],
                "ports": [["name": "http", "port": 8080, "protocol": "TCP"]],
            ],
            ["addresses": [address("f", "10.0.0.6")], "ports": [["name": "http", "port": 9090, "protocol": "TCP"]]],
        ]
        #expect(subsets == expected)
    }

    @Test func endpointsLabelsAreTheServicesPlusSkipMirror() {
        let labels = EndpointsBuilder.labels(service: Self.service(ports: [], labels: ["tier": "front"]))
        #expect(labels == ["tier": "front", "endpointslice.kubernetes.io/skip-mirror": "true"])
    }

    @Test func slicesListTerminatingPodsWithTheirConditions() {
        let service = Self.service(ports: [["name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"]])
        let pods = [
            Self.pod("a", ip: "10.0.0.1"), Self.pod("b", ip: "10.0.0.2", deleting: true), Self.pod("c", ip: "10.0.0.3", ready: false),
        ]
        let slices = EndpointSliceBuilder.desired(service: service, pods: pods, zones: ["n1": "zone-a"])
        func endpoint(_ name: String, _ ip: String, ready: Bool, serving: Bool, terminating: Bool) -> JSONValue {
            [
                "addresses": [.string(ip)],
                "conditions": ["ready": .bool(ready), "serving": .bool(serving), "terminating": .bool(terminating)],
                "nodeName": "n1", "zone": "zone-a", "targetRef": Self.ref(name),
            ]
        }
        #expect(
            slices == [
                SliceContent(
                    addressType: "IPv4", ports: [EndpointPort(name: "http", port: 8080, proto: "TCP")],
                    endpoints: [
                        endpoint("a", "10.0.0.1", ready: true, serving: true, terminating: false),
                        endpoint("b", "10.0.0.2", ready: false, serving: true, terminating: true),
                        endpoint("c", "10.0.0.3", ready: false, serving: false, terminating: false),
                    ])
            ])
    }

    @Test func aServiceWithoutPodsGetsAnEmptyPlaceholderSlice() {
        let service = Self.service(ports: [["port": 80, "protocol": "TCP"]])
        #expect(
            EndpointSliceBuilder.desired(service: service, pods: [], zones: [:]) == [
                SliceContent(addressType: "IPv4", ports: [], endpoints: [])
            ])
        #expect(
            EndpointSliceBuilder.labels(service: Self.service(ports: [], labels: ["tier": "front"]))
                == [
                    "tier": "front", "kubernetes.io/service-name": "web",
                    "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                ])
    }

    @Test func mirroredSlicesFollowSubsetsAndSkipInvalidAddresses() {
        let endpoints: JSONValue = [
            "metadata": [
                "name": "ext", "namespace": "default", "uid": "ep-uid", "labels": ["team": "data"],
                "annotations": ["kubectl.kubernetes.io/last-applied-configuration": "{}", "note": "x"],
            ],
            "subsets": [
                [
                    "addresses": [["ip": "192.0.2.10"], ["ip": "not-an-ip"]],
                    "notReadyAddresses": [["ip": "192.0.2.12", "nodeName": "n1"]],
                    "ports": [["name": "db", "port": 5432, "protocol": "TCP"]],
                ]
            ],
        ]
        #expect(
            MirroredSlices.desired(endpoints: endpoints) == [
                SliceContent(
                    addressType: "IPv4", ports: [EndpointPort(name: "db", port: 5432, proto: "TCP")],
                    endpoints: [
                        ["addresses": ["192.0.2.10"], "conditions": ["ready": true]],
                        ["addresses": ["192.0.2.12"], "conditions": ["ready": false], "nodeName": "n1"],
                    ])
            ])
        let metadata = MirroredSlices.metadata(endpoints: endpoints)
        #expect(
            metadata.labels == [
                "team": "data", "kubernetes.io/service-name": "ext",
                "endpointslice.kubernetes.io/managed-by": "endpointslicemirroring-controller.k8s.io",
            ])
        #expect(metadata.annotations == ["note": "x"])
        #expect(metadata.owner["kind"] == "Endpoints")
        #expect(metadata.owner["uid"] == "ep-uid")
        #expect(metadata.generateName == "ext-")
    }
}
