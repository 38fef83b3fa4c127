import DNSWire
import Federation
import KubeClient
import Testing

@Suite struct RecordPlannerTests {
    static let zone: DNSName = "meridian.local."
    static let web = ObjectKey(namespace: "default", name: "web")

    static func member(_ cluster: String, _ region: String?, _ zone: String?, _ ips: [String], hostnames: [DNSName] = [])
        -> ServiceEndpoints.Member
    {
        ServiceEndpoints.Member(
            cluster: cluster, region: region, zone: zone, ipv4: ips.compactMap { try? IPv4Address($0) },
            ipv6: ips.compactMap { try? IPv6Address($0) }, hostnames: hostnames)
    }

    static let threeRegions = ServiceEndpoints(
        service: web, ttl: 5, port: 8080,
        members: [
            member("east-1", "east", "east-a", ["127.1.0.2"]), member("east-2", "east", "east-b", ["127.2.0.2", "fd00::2"]),
            member("west-1", "west", "west-a", ["127.3.0.2"]),
        ])

    /// `name TTL IN TYPE data` lines, in the plan's (canonical DNS) order.
    static func lines(_ plan: RecordPlanner.Plan) -> [String] { plan.records.map(\.description) }

    static func plan(_ service: ServiceEndpoints, down: Set<String> = [], last: [DNSName: [RData]] = [:]) -> RecordPlanner.Plan {
        RecordPlanner.plan([service], federation: "fed", zone: zone, healthy: { !down.contains($0.host) }, lastHealthy: last)
    }

    @Test func everyEndpointHealthyGivesAddressesAtEveryLevel() {
        #expect(
            Self.lines(Self.plan(Self.threeRegions)) == [
                "web.default.fed.svc.east-a.east.meridian.local. 5 IN A 127.1.0.2",
                "web.default.fed.svc.east-b.east.meridian.local. 5 IN A 127.2.0.2",
                "web.default.fed.svc.east-b.east.meridian.local. 5 IN AAAA fd00::2",
                "web.default.fed.svc.east.meridian.local. 5 IN A 127.1.0.2",
                "web.default.fed.svc.east.meridian.local. 5 IN A 127.2.0.2",
                "web.default.fed.svc.east.meridian.local. 5 IN AAAA fd00::2",
                "web.default.fed.svc.meridian.local. 5 IN A 127.1.0.2",
                "web.default.fed.svc.meridian.local. 5 IN A 127.2.0.2",
                "web.default.fed.svc.meridian.local. 5 IN A 127.3.0.2",
                "web.default.fed.svc.meridian.local. 5 IN AAAA fd00::2",
                "web.default.fed.svc.west.meridian.local. 5 IN A 127.3.0.2",
                "web.default.fed.svc.west-a.west.meridian.local. 5 IN A 127.3.0.2",
            ])
    }

    @Test func aFailedZoneFallsBackToItsRegionAndAFailedRegionToTheGlobalName() {
        let plan = Self.plan(Self.threeRegions, down: ["127.1.0.2", "127.3.0.2"])
        #expect(
            Self.lines(plan) == [
                "web.default.fed.svc.east-a.east.meridian.local. 5 IN CNAME web.default.fed.svc.east.meridian.local.",
                "web.default.fed.svc.east-b.east.meridian.local. 5 IN A 127.2.0.2",
                "web.default.fed.svc.east-b.east.meridian.local. 5 IN AAAA fd00::2",
                "web.default.fed.svc.east.meridian.local. 5 IN A 127.2.0.2",
                "web.default.fed.svc.east.meridian.local. 5 IN AAAA fd00::2",
                "web.default.fed.svc.meridian.local. 5 IN A 127.2.0.2",
                "web.default.fed.svc.meridian.local. 5 IN AAAA fd00::2",
                "web.default.fed.svc.west.meridian.local. 5 IN CNAME web.default.fed.svc.meridian.local.",
                "web.default.fed.svc.west-a.west.meridian.local. 5 IN CNAME web.default.fed.svc.west.meridian.local.",
            ])
        #expect(plan.held == [:])
        #expect(
            plan.lastHealthy == [
                "web.default.fed.svc.meridian.local.": [.a(try! IPv4Address("127.2.0.2")), .aaaa(try! IPv6Address("fd00::2"))]
            ])
    }

    @Test func whenEveryEndpointFailsTheLastHealthySetStays() {
        let before = Self.plan(Self.threeRegions, down: ["127.1.0.2", "127.3.0.2", "fd00::2"])
        #expect(before.lastHealthy == ["web.default.fed.svc.meridian.local.": [.a(try! IPv4Address("127.2.0.2"))]])
        let all: Set<String> = ["127.1.0.2", "127.2.0.2", "127.3.0.2", "fd00::2"]
        let plan = Self.plan(Self.threeRegions, down: all, last: before.lastHealthy)
        #expect(
            Self.lines(plan) == [
                "web.default.fed.svc.east-a.east.meridian.local. 5 IN CNAME web.default.fed.svc.east.meridian.local.",
                "web.default.fed.svc.east-b.east.meridian.local. 5 IN CNAME web.default.fed.svc.east.meridian.local.",
                "web.default.fed.svc.east.meridian.local. 5 IN CNAME web.default.fed.svc.meridian.local.",
                "web.default.fed.svc.meridian.local. 5 IN A 127.2.0.2",
                "web.default.fed.svc.west.meridian.local. 5 IN CNAME web.default.fed.svc.meridian.local.",
                "web.default.fed.svc.west-a.west.meridian.local. 5 IN CNAME web.default.fed.svc.west.meridian.local.",
            ])
        #expect(plan.held == ["web.default.fed.svc.meridian.local.": ["127.2.0.2"]])
        // Never known healthy (all failing from the start): every address, held.
        let fresh = Self.plan(Self.threeRegions, down: all)
        #expect(fresh.held == ["web.default.fed.svc.meridian.local.": ["127.1.0.2", "127.2.0.2", "127.3.0.2", "fd00::2"]])
    }

    @Test func hostnamesBecomeCNAMEsAndClustersWithoutTopologyOnlyJoinTheGlobalName() {
        let service = ServiceEndpoints(
            service: Self.web, ttl: 30, port: 80,
            members: [
                Self.member("aws", "us-east-1", nil, [], hostnames: ["lb-1.elb.example.com."]),
                Self.member("onprem", nil, nil, ["127.4.0.2"]),
            ])
        #expect(
            Self.lines(Self.plan(service)) == [
                "web.default.fed.svc.meridian.local. 30 IN A 127.4.0.2",
                "web.default.fed.svc.us-east-1.meridian.local. 30 IN CNAME lb-1.elb.example.com.",
            ])
        let onlyHostnames = ServiceEndpoints(
            service: Self.web, ttl: 30, port: 80,
            members: [Self.member("aws", "us-east-1", "us-east-1a", [], hostnames: ["lb-1.elb.example.com."])])
        #expect(
            Self.lines(Self.plan(onlyHostnames)) == [
                "web.default.fed.svc.meridian.local. 30 IN CNAME lb-1.elb.example.com.",
                "web.default.fed.svc.us-east-1.meridian.local. 30 IN CNAME lb-1.elb.example.com.",
                "web.default.fed.svc.us-east-1a.us-east-1.meridian.local. 30 IN CNAME lb-1.elb.example.com.",
            ])
    }

    @Test func aServiceWithoutIngressHasNoNames() {
        let service = ServiceEndpoints(service: Self.web, ttl: 5, port: 80, members: [])
        #expect(Self.plan(service).records == [])
    }

    @Test func healthNeedsTwoFailuresToWithdrawAndTwoSuccessesToRestore() {
        var health = EndpointHealth()
        let policy = ProbePolicy()
        #expect(health.record(success: false, error: "connection refused", policy: policy) == nil)
        #expect(health.healthy)
        #expect(health.record(success: false, error: "connection refused", policy: policy) == .withdrawn)
        #expect(!health.healthy)
        #expect(health.lastError == "connection refused")
        #expect(health.record(success: false, policy: policy) == nil)
        #expect(health.record(success: true, policy: policy) == nil)
        #expect(health.record(success: false, policy: policy) == nil)
        #expect(health.record(success: true, policy: policy) == nil)
        #expect(health.record(success: true, policy: policy) == .restored)
        #expect(health.healthy)
    }
}
