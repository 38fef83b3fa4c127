import Foundation
import KubeAPI
import Testing

/// CRD behaviour beyond the shared suite: several versions with `None` conversion,
/// defaults from the schema, short names and categories, and persistence across restart.
@Suite struct CustomResourceTests {
    let crd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: gadgets.example.com}
        spec:
          group: example.com
          scope: Namespaced
          names: {plural: gadgets, singular: gadget, kind: Gadget, shortNames: [gd], categories: [all]}
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      size: {type: integer, default: 3}
                      color: {type: string}
          - name: v1beta1
            served: true
            storage: false
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
        """

    @Test func versionsDefaultsAndRestart() throws {
        let dir = try Paths.temporaryDirectory("crd")
        var server: MeridianProcess? = try MeridianProcess.apiserver(dataDir: dir)
        #expect(try server!.kubectl(["apply", "-f", "-"], input: crd).status == 0)
        #expect(try server!.kubectl(["wait", "--for=condition=Established", "crd/gadgets.example.com", "--timeout=20s"]).status == 0)
        let created = try server!.kubectl(
            ["create", "-f", "-"],
            input: #"{"apiVersion":"example.com/v1","kind":"Gadget","metadata":{"name":"g1"},"spec":{"color":"red"}}"#)
        #expect(created.output == "gadget.example.com/g1 created\n", "\(created.error)")
        #expect(try server!.kubectl(["get", "gd", "g1", "-o", "jsonpath={.spec.size} {.spec.color}"]).output == "3 red")
        let asBeta = try JSONParser.parse(
            try server!.kubectl(["get", "--raw", "/apis/example.com/v1beta1/namespaces/default/gadgets/g1"]).output)
        #expect(asBeta["apiVersion"] == "example.com/v1beta1")
        #expect(asBeta["spec"]["size"] == 3)
        let all = try server!.kubectl(["get", "all", "-o", "name"]).output
        #expect(all.contains("gadget.example.com/g1"))
        let groups = try JSONParser.parse(try server!.kubectl(["get", "--raw", "/apis/example.com"]).output)
        #expect(groups["preferredVersion"]["version"] == "v1")
        #expect(
            groups["versions"] == [
                ["groupVersion": "example.com/v1", "version": "v1"], ["groupVersion": "example.com/v1beta1", "version": "v1beta1"],
            ])

        server!.kill(signal: SIGTERM)
        server = try MeridianProcess.apiserver(dataDir: dir)
        #expect(try server!.kubectl(["get", "gadgets.example.com", "g1", "-o", "jsonpath={.spec.color}"]).output == "red")
    }
}
