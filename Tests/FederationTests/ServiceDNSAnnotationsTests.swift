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
