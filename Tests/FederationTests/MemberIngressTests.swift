import DNSWire
import Federation
import FederationAPI
import KubeAPI
import KubeClient
import Testing

@Suite struct MemberIngressTests {
    static func copy(_ name: String, ingress: [JSONValue]?) -> JSONValue {
        var object: JSONValue = ["metadata": ["name": .string(name), "namespace": "default"]]
        if let ingress { object["status"] = ["loadBalancer": ["ingress": .array(ingress)]] }
        return object
    }

    @Test func unknownIsNotEmpty() {
        let ingress = MemberIngress()
        let web = MemberIngress.Key(.services, ObjectKey(namespace: "default", name: "web"))
        #expect(ingress.entries(cluster: "m1", web) == nil)
        #expect(ingress.update(cluster: "m1", type: .services, .added(Self.copy("web", ingress: [["ip": "127.1.0.2"]]))))
        #expect(ingress.entries(cluster: "m1", web) == [["ip": "127.1.0.2"]])
        // Same ingress again: no change. The copy deleted: known to have none.
        #expect(!ingress.update(cluster: "m1", type: .services, .added(Self.copy("web", ingress: [["ip": "127.1.0.2"]]))))
        #expect(ingress.update(cluster: "m1", type: .services, .deleted(Self.copy("web", ingress: nil))))
        #expect(ingress.entries(cluster: "m1", web) == [])
        // An Ingress of the same name is another object; other kinds are ignored.
        #expect(ingress.update(cluster: "m1", type: .ingresses, .added(Self.copy("web", ingress: [["ip": "127.1.0.3"]]))))
        #expect(ingress.entries(cluster: "m1", MemberIngress.Key(.ingresses, web.object)) == [["ip": "127.1.0.3"]])
        #expect(!ingress.update(cluster: "m1", type: .configMaps, .added(Self.copy("web", ingress: [["ip": "127.1.0.4"]]))))
        ingress.forget(cluster: "m1")
        #expect(ingress.entries(cluster: "m1", web) == nil)
    }

    @Test func thePersistedFormKeepsUnreachableMembers() throws {
        let previous: [String: [JSONValue]] = ["m1": [["ip": "127.1.0.2"]], "m2": [["ip": "127.2.0.2"]], "m3": [["ip": "127.3.0.2"]]]
        // m1 read now with a new address, m2 unreachable (kept), m3 reachable without a copy (dropped),
        // m4 new with a hostname, m5 reachable with no ingress yet.
        let text = MemberIngress.merged(
            previous: previous,
            copies: [
                "m1": Self.copy("web", ingress: [["ip": "127.1.0.9"]]), "m4": Self.copy("web", ingress: [["hostname": "lb.example.com"]]),
                "m5": Self.copy("web", ingress: nil),
            ], unreachable: ["m2"])
        #expect(
            text == #"{"m1":[{"ip":"127.1.0.9"}],"m2":[{"ip":"127.2.0.2"}],"m4":[{"hostname":"lb.example.com"}]}"#)
        let object: JSONValue = ["metadata": ["annotations": [MemberIngress.annotation: .string(try #require(text))]]]
        #expect(
            MemberIngress.persisted(object) == [
                "m1": [["ip": "127.1.0.9"]], "m2": [["ip": "127.2.0.2"]], "m4": [["hostname": "lb.example.com"]],
            ])
        #expect(MemberIngress.merged(previous: previous, copies: [:], unreachable: []) == nil)
        #expect(MemberIngress.persisted(["metadata": ["name": "web"]]) == [:])
    }
}
