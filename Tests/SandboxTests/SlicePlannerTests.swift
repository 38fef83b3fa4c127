import KubeAPI
import KubeClient
import Testing

@testable import Sandbox

/// Matching wanted EndpointSlices to existing ones, and the cache-lag tracker.
@Suite struct SlicePlannerTests {
    static let http = [EndpointPort(name: "http", port: 8080, proto: "TCP")]

    static func endpoint(_ ip: String) -> JSONValue { ["addresses": [.string(ip)], "conditions": ["ready": true]] }

    static func slice(_ name: String, ports: [EndpointPort] = http, ips: [String]) -> JSONValue {
        [
            "metadata": ["name": .string(name), "namespace": "default"], "addressType": "IPv4",
            "ports": .array(ports.map(\.json)), "endpoints": .array(ips.map(endpoint)),
        ]
    }

    @Test func anUnchangedSliceIsLeftAlone() {
        let wanted = [SliceContent(addressType: "IPv4", ports: Self.http, endpoints: [Self.endpoint("10.0.0.1")])]
        let plan = SlicePlanner.plan(desired: wanted, existing: [Self.slice("web-abcde", ips: ["10.0.0.1"])]) { _ in false }
        #expect(plan.isEmpty)
        let relabel = SlicePlanner.plan(desired: wanted, existing: [Self.slice("web-abcde", ips: ["10.0.0.1"])]) { _ in true }
        #expect(relabel.updates.map { $0.existing.name } == ["web-abcde"])
    }

    @Test func changedEndpointsUpdateTheSliceOfTheSamePortsAndTheRestGoes() {
        let wanted = [SliceContent(addressType: "IPv4", ports: Self.http, endpoints: [Self.endpoint("10.0.0.2")])]
        let existing = [
            Self.slice("web-bbbbb", ips: ["10.0.0.1"]), Self.slice("web-aaaaa", ips: ["10.0.0.3"]),
            Self.slice("web-ccccc", ports: [], ips: []),
        ]
        let plan = SlicePlanner.plan(desired: wanted, existing: existing) { _ in false }
        #expect(plan.creates.isEmpty)
        #expect(plan.updates.map { $0.existing.name } == ["web-aaaaa"])
        #expect(plan.updates.map(\.content) == wanted)
        #expect(plan.deletes.map(\.name) == ["web-bbbbb", "web-ccccc"])
    }

    @Test func newPortsMakeANewSlice() {
        let metrics = [EndpointPort(name: "metrics", port: 9090, proto: "TCP")]
        let wanted = [SliceContent(addressType: "IPv4", ports: metrics, endpoints: [Self.endpoint("10.0.0.1")])]
        let plan = SlicePlanner.plan(desired: wanted, existing: [Self.slice("web-aaaaa", ips: ["10.0.0.1"])]) { _ in false }
        #expect(plan.creates == wanted)
        #expect(plan.updates.isEmpty)
        #expect(plan.deletes.map(\.name) == ["web-aaaaa"])
    }

    @Test func endpointsAreChunkedByOneHundred() {
        let many = SliceContent(
            addressType: "IPv4", ports: Self.http, endpoints: (0..<250).map { Self.endpoint("10.0.\($0 / 200).\($0 % 200)") })
        #expect(SlicePlanner.chunk([many]).map(\.endpoints.count) == [100, 100, 50])
    }

    @Test func theTrackerWaitsForTheCacheToShowCreatesAndDeletes() {
        let tracker = EndpointSliceTracker()
        let key = ObjectKey(namespace: "default", name: "web")
        #expect(!tracker.isStale(key, cached: []))
        tracker.created("web-aaaaa", for: key)
        tracker.deleted("web-bbbbb", for: key)
        #expect(tracker.isStale(key, cached: ["web-bbbbb"]))
        #expect(tracker.isStale(key, cached: ["web-aaaaa", "web-bbbbb"]))
        #expect(!tracker.isStale(key, cached: ["web-aaaaa"]))
        // Forgotten once seen: a later deletion by someone else is no lag.
        #expect(!tracker.isStale(key, cached: []))
    }

    @Test func theTrackerGivesUpOnChangesTheCacheNeverShows() {
        let tracker = EndpointSliceTracker(patience: .zero)
        let key = ObjectKey(namespace: "default", name: "web")
        tracker.created("web-aaaaa", for: key)
        #expect(!tracker.isStale(key, cached: []))
    }
}
