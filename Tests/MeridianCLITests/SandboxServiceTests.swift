import Foundation
import KubeAPI
import Testing

/// The Service side of `meridian sandbox`: Endpoints, EndpointSlices and their mirroring
/// (load balancers: `SandboxLoadBalancerTests`). Serialized: each test runs a sandbox.
@Suite(.serialized) struct SandboxServiceTests {
    func json(_ result: CommandResult) throws -> JSONValue {
        #expect(result.status == 0, "kubectl failed: \(result.error)")
        return try JSONParser.parse(Array(result.output.utf8))
    }

    func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    func targetRef(_ name: String, _ uid: String) -> String {
        #"{"kind": "Pod", "namespace": "default", "name": "\#(name)", "uid": "\#(uid)"}"#
    }

    @Test func endpointsAndSlicesListTheSelectedPods() throws {
        let sandbox = try MeridianProcess.sandbox(name: "svc-endpoints")
        let a = try sandbox.createPod("web-a")
        let b = try sandbox.createPod("web-b")
        _ = try sandbox.createPod("web-c")
        _ = try sandbox.createPod("db", app: "db")
        try sandbox.setPodStatus("web-a", ip: "10.9.0.11", ready: true)
        try sandbox.setPodStatus("web-b", ip: "10.9.0.12", ready: false)
        try sandbox.setPodStatus("db", ip: "10.9.0.20", ready: true)
        try sandbox.applyJSON(
            """
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "labels": {"tier": "front"}},
             "spec": {"selector": {"app": "web"},
                      "ports": [{"name": "http", "port": 80, "targetPort": "http"}, {"name": "admin", "port": 9000}]}}
            """)
        let node = MeridianProcess.outsideNode
        let ports = #"[{"name": "http", "port": 8080, "protocol": "TCP"}, {"name": "admin", "port": 9000, "protocol": "TCP"}]"#
        let expected = try parse(
            """
            [{"addresses": [{"ip": "10.9.0.11", "nodeName": "\(node)", "targetRef": \(targetRef("web-a", a))}],
              "notReadyAddresses": [{"ip": "10.9.0.12", "nodeName": "\(node)", "targetRef": \(targetRef("web-b", b))}],
              "ports": \(ports)}]
            """)
        let endpoints = try json(
            sandbox.kubectlEventually(["get", "endpoints", "web", "-o", "json"]) {
                (try? parse($0.output)["subsets"]) == expected
            })
        #expect(endpoints["metadata"]["labels"] == ["tier": "front", "endpointslice.kubernetes.io/skip-mirror": "true"])
        #expect(endpoints["metadata"]["ownerReferences"].isNull)

        let expectedSliceEndpoints = try parse(
            """
            [{"addresses": ["10.9.0.11"], "conditions": {"ready": true, "serving": true, "terminating": false},
              "nodeName": "\(node)", "targetRef": \(targetRef("web-a", a))},
             {"addresses": ["10.9.0.12"], "conditions": {"ready": false, "serving": false, "terminating": false},
              "nodeName": "\(node)", "targetRef": \(targetRef("web-b", b))}]
            """)
        let sliceList = ["get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "json"]
        let slices =
            try json(
                sandbox.kubectlEventually(sliceList) {
                    (try? parse($0.output)["items"][0]["endpoints"]) == expectedSliceEndpoints
                })["items"].arrayValue ?? []
        #expect(slices.count == 1)
        let slice = slices.first ?? [:]
        let service = try json(sandbox.kubectl(["get", "service", "web", "-o", "json"]))
        let name = slice["metadata"]["name"].stringValue ?? ""
        #expect(name.count == 9 && name.hasPrefix("web-"))
        #expect(name.dropFirst(4).allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
        #expect(slice["metadata"]["generateName"] == "web-")
        #expect(
            slice["metadata"]["labels"] == [
                "tier": "front", "kubernetes.io/service-name": "web",
                "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
            ])
        #expect(
            slice["metadata"]["ownerReferences"] == [
                [
                    "apiVersion": "v1", "kind": "Service", "name": "web", "uid": service["metadata"]["uid"], "controller": true,
                    "blockOwnerDeletion": true,
                ]
            ])
        #expect(slice["addressType"] == "IPv4")
        #expect(slice["ports"] == (try parse(ports)))

        // web-b becomes ready, web-a goes: both lists follow.
        try sandbox.setPodStatus("web-b", ip: "10.9.0.12", ready: true)
        try sandbox.forceDeletePod("web-a")
        let after = try parse(
            #"[{"addresses": [{"ip": "10.9.0.12", "nodeName": "\#(node)", "targetRef": \#(targetRef("web-b", b))}], "ports": \#(ports)}]"#)
        try sandbox.kubectlEventually(["get", "endpoints", "web", "-o", "json"]) { (try? parse($0.output)["subsets"]) == after }
        let afterSlices = try json(
            sandbox.kubectlEventually(sliceList) { (try? parse($0.output)["items"][0]["endpoints"].arrayValue?.count) == 1 })
        #expect(afterSlices["items"].arrayValue?.count == 1)
        #expect(afterSlices["items"][0]["metadata"]["name"].stringValue == name)
        #expect(afterSlices["items"][0]["endpoints"][0]["conditions"] == ["ready": true, "serving": true, "terminating": false])

        // The Service goes: so do its Endpoints and slices.
        try sandbox.kubectl(["delete", "service", "web"])
        try sandbox.kubectlEventually(["get", "endpoints", "web"]) { $0.error.contains("NotFound") }
        try sandbox.kubectlEventually(["get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "name"]) {
            $0.status == 0 && $0.output.isEmpty
        }
    }

    @Test func aServiceWithoutSelectorGetsItsHandWrittenEndpointsMirrored() throws {
        let sandbox = try MeridianProcess.sandbox(name: "svc-mirror")
        try sandbox.applyJSON(
            #"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"}, "spec": {"ports": [{"name": "pg", "port": 5432}]}}"#)
        try sandbox.applyJSON(
            """
            {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "db", "labels": {"team": "data"}},
             "subsets": [{"addresses": [{"ip": "192.0.2.10"}, {"ip": "192.0.2.11"}], "notReadyAddresses": [{"ip": "192.0.2.12"}],
                          "ports": [{"name": "pg", "port": 5432, "protocol": "TCP"}]}]}
            """)
        let expected = try parse(
            """
            [{"addresses": ["192.0.2.10"], "conditions": {"ready": true}}, {"addresses": ["192.0.2.11"], "conditions": {"ready": true}},
             {"addresses": ["192.0.2.12"], "conditions": {"ready": false}}]
            """)
        let sliceList = ["get", "endpointslices", "-l", "kubernetes.io/service-name=db", "-o", "json"]
        let slices = try json(
            sandbox.kubectlEventually(sliceList) { (try? parse($0.output)["items"][0]["endpoints"]) == expected })["items"]
        #expect(slices.arrayValue?.count == 1)
        let endpoints = try json(sandbox.kubectl(["get", "endpoints", "db", "-o", "json"]))
        // The endpoints controller left the hand-written object alone.
        #expect(endpoints["metadata"]["labels"] == ["team": "data"])
        #expect(
            slices[0]["metadata"]["labels"] == [
                "team": "data", "kubernetes.io/service-name": "db",
                "endpointslice.kubernetes.io/managed-by": "endpointslicemirroring-controller.k8s.io",
            ])
        #expect(slices[0]["metadata"]["annotations"].isNull)
        #expect(
            slices[0]["metadata"]["ownerReferences"] == [
                [
                    "apiVersion": "v1", "kind": "Endpoints", "name": "db", "uid": endpoints["metadata"]["uid"], "controller": true,
                    "blockOwnerDeletion": true,
                ]
            ])
        #expect(slices[0]["ports"] == [["name": "pg", "port": 5432, "protocol": "TCP"]])
        #expect(slices[0]["addressType"] == "IPv4")

        // An edit is mirrored; deleting the Endpoints deletes the slice.
        try sandbox.kubectl([
            "patch", "endpoints", "db", "--type=merge", "-p",
            #"{"subsets": [{"addresses": [{"ip": "192.0.2.20"}], "ports": [{"name": "pg", "port": 5433, "protocol": "TCP"}]}]}"#,
        ])
        let edited = try json(
            sandbox.kubectlEventually(sliceList) {
                (try? parse($0.output)["items"][0]["endpoints"]) == [["addresses": ["192.0.2.20"], "conditions": ["ready": true]]]
            })
        #expect(edited["items"].arrayValue?.count == 1)
        #expect(edited["items"][0]["ports"] == [["name": "pg", "port": 5433, "protocol": "TCP"]])
        try sandbox.kubectl(["delete", "endpoints", "db"])
        try sandbox.kubectlEventually(["get", "endpointslices", "-l", "kubernetes.io/service-name=db", "-o", "name"]) {
            $0.status == 0 && $0.output.isEmpty
        }
    }
}
