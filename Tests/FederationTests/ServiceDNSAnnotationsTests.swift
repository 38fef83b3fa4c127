import DNSWire
import Federation
import FederationAPI
import KubeAPI
import KubeClient
import Testing

@Suite struct ServiceDNSAnnotationsTests {
    static func cluster(_ name: String, _ region: String, _ zone: String) -> Cluster {
        var cluster = Cluster(object: ["metadata": ["name": .string(name)]])
        cluster.region = region
        cluster.zone = zone
        return cluster
    }

    @Test func annotationsTuneTTLAndProbes() throws {
        let service: JSONValue = [
            "metadata": [
                "name": "web", "namespace": "shop",
                "annotations": [
                    "federation.meridian.dev/dns-ttl": "30", "federation.meridian.dev/health-check-path": "/healthz",
                    "federation.meridian.dev/health-check-status": "204", "federation.meridian.dev/health-check-failure-threshold": "3",
                ],
            ],
            "spec": ["type": "LoadBalancer", "ports": [["port": 443, "protocol": "TCP"]]],
        ]
        let ingress: [String: [JSONValue]] = [
            "a": [["ip": "127.1.0.2"], ["ip": "fd00::5"]], "b": [["hostname": "lb.example.com"]], "c": [],
        ]
        let endpoints = try #require(
            ServiceDNSAnnotations.endpoints(
                of: service, defaultTTL: 5,
                clusters: [Self.cluster("b", "r2", "r2-a"), Self.cluster("a", "r1", "r1-a"), Self.cluster("c", "r3", "r3-a")],
                ingress: { ingress[$0] ?? [] }))
        #expect(endpoints.ttl == 30)
        #expect(endpoints.port == 443)
        #expect(endpoints.check == .http(path: "/healthz", expectedStatus: 204, tls: false))
        #expect(endpoints.policy.failureThreshold == 3)
        #expect(endpoints.policy.successThreshold == 2)
        #expect(
            endpoints.members == [
                ServiceEndpoints.Member(
                    cluster: "a", region: "r1", zone: "r1-a", ipv4: [try IPv4Address("127.1.0.2")], ipv6: [try IPv6Address("fd00::5")]),
                ServiceEndpoints.Member(cluster: "b", region: "r2", zone: "r2-a", hostnames: ["lb.example.com."]),
            ])
        #expect(
            endpoints.targets(of: endpoints.members[0]) == [
                ProbeTarget(host: "127.1.0.2", port: 443, check: endpoints.check),
                ProbeTarget(host: "fd00::5", port: 443, check: endpoints.check),
            ])
        var plain = service
        plain["metadata"]["annotations"] = .null
        let defaults = try #require(ServiceDNSAnnotations.endpoints(of: plain, defaultTTL: 5, clusters: [], ingress: { _ in [] }))
        #expect(defaults.ttl == 5)
        #expect(defaults.check == .tcp)
        #expect(defaults.policy == ProbePolicy())
    }
}

@Suite struct IngressDNSTests {
    static let zone: DNSName = "meridian.local."

    static func ingress(annotations: JSONValue, tls: Bool = false) -> JSONValue {
        var object: JSONValue = [
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": ["name": "shop", "namespace": "web", "annotations": annotations],
            "spec": ["rules": [["host": "shop.example.com"]]],
        ]
        if tls { object["spec"]["tls"] = [["hosts": ["shop.example.com"]]] }
        return object
    }

    @Test func onlyOptedInIngressesGetNames() {
        #expect(ServiceDNSAnnotations.wantsDNS(.ingresses, Self.ingress(annotations: ["federation.meridian.dev/ingress-dns": "true"])))
        #expect(!ServiceDNSAnnotations.wantsDNS(.ingresses, Self.ingress(annotations: ["federation.meridian.dev/ingress-dns": "false"])))
        #expect(!ServiceDNSAnnotations.wantsDNS(.ingresses, Self.ingress(annotations: .null)))
        var deleting = Self.ingress(annotations: ["federation.meridian.dev/ingress-dns": "true"])
        deleting["metadata"]["deletionTimestamp"] = "2030-01-01T00:00:00Z"
        #expect(!ServiceDNSAnnotations.wantsDNS(.ingresses, deleting))
        #expect(!ServiceDNSAnnotations.wantsDNS(.configMaps, Self.ingress(annotations: ["federation.meridian.dev/ingress-dns": "true"])))
    }

    @Test func anIngressIsProbedOnItsHTTPPortAndPlannedLikeAService() throws {
        let clusters = [
            ServiceDNSAnnotationsTests.cluster("m1", "east", "east-a"), ServiceDNSAnnotationsTests.cluster("m2", "west", "west-a"),
        ]
        let ingress: [String: [JSONValue]] = ["m1": [["ip": "127.1.0.2"]], "m2": [["ip": "127.2.0.2"]]]
        let plain = try #require(
            ServiceDNSAnnotations.endpoints(
                of: Self.ingress(annotations: ["federation.meridian.dev/ingress-dns": "true"]), type: .ingresses, defaultTTL: 5,
                clusters: clusters, ingress: { ingress[$0] ?? [] }))
        #expect(plain.port == 80)
        #expect(plain.check == .tcp)
        #expect(plain.service == ObjectKey(namespace: "web", name: "shop"))
        let secure = try #require(
            ServiceDNSAnnotations.endpoints(
                of: Self.ingress(annotations: ["federation.meridian.dev/ingress-dns": "true"], tls: true), type: .ingresses,
                defaultTTL: 5, clusters: clusters, ingress: { ingress[$0] ?? [] }))
        #expect(secure.port == 443)
        let tuned = try #require(
            ServiceDNSAnnotations.endpoints(
                of: Self.ingress(
                    annotations: [
                        "federation.meridian.dev/ingress-dns": "true", "federation.meridian.dev/health-check-path": "/healthz",
                        "federation.meridian.dev/dns-ttl": "30",
                    ], tls: true), type: .ingresses, defaultTTL: 5, clusters: clusters, ingress: { ingress[$0] ?? [] }))
        // A path means HTTP GETs: over TLS, as the Ingress serves it.
        #expect(tuned.check == .http(path: "/healthz", expectedStatus: 200, tls: true))
        #expect(tuned.ttl == 30)
        #expect(tuned.port == 443)
        // m2's address fails: the global name keeps m1, the west name falls back to it.
        let plan = RecordPlanner.plan(
            [plain], federation: "fed", zone: Self.zone, healthy: { $0.host != "127.2.0.2" }, lastHealthy: [:])
        #expect(
            plan.records.map(\.description) == [
                "shop.web.fed.svc.east-a.east.meridian.local. 5 IN A 127.1.0.2",
                "shop.web.fed.svc.east.meridian.local. 5 IN A 127.1.0.2",
                "shop.web.fed.svc.meridian.local. 5 IN A 127.1.0.2",
                "shop.web.fed.svc.west.meridian.local. 5 IN CNAME shop.web.fed.svc.meridian.local.",
                "shop.web.fed.svc.west-a.west.meridian.local. 5 IN CNAME shop.web.fed.svc.west.meridian.local.",
            ])
    }
}
