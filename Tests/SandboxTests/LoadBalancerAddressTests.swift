import KubeClient
import Testing

@testable import Sandbox

/// Load-balancer IPs of a sandbox's /24 and the round-robin over backing pods.
@Suite struct LoadBalancerAddressTests {
    let a = ObjectKey(namespace: "default", name: "a")
    let b = ObjectKey(namespace: "default", name: "b")
    let c = ObjectKey(namespace: "other", name: "a")

    @Test func newcomersGetTheLowestFreeAddress() {
        var addresses = LoadBalancerAddresses(prefix: "127.142.7")
        #expect(addresses.assign(a) == "127.142.7.2")
        #expect(addresses.assign(b) == "127.142.7.3")
        #expect(addresses.assign(a) == "127.142.7.2")
        addresses.release(a)
        #expect(addresses.assign(c) == "127.142.7.2")
        #expect(addresses.address(of: a) == nil)
    }

    @Test func aServiceKeepsTheAddressItShowsUnlessAnotherHoldsIt() {
        var addresses = LoadBalancerAddresses(prefix: "127.142.7")
        #expect(addresses.assign(a, preferring: ["127.142.7.40"]) == "127.142.7.40")
        #expect(addresses.assign(b, preferring: ["127.142.7.40"]) == "127.142.7.2")
        // Not ours, or outside 2...254: ignored.
        #expect(addresses.assign(c, preferring: ["127.1.1.9", "127.142.7.255", "127.142.7.1"]) == "127.142.7.3")
        let stolen = addresses.claim("127.142.7.40", for: c)
        let kept = addresses.claim("127.142.7.40", for: a)
        #expect(!stolen)
        #expect(kept)
    }

    @Test func aFullRangeAssignsNothing() {
        var addresses = LoadBalancerAddresses(prefix: "127.142.7")
        for n in LoadBalancerAddresses.hosts {
            #expect(addresses.assign(ObjectKey(namespace: "ns", name: "s\(n)")) == "127.142.7.\(n)")
        }
        #expect(addresses.assign(a) == nil)
    }

    @Test func backendsRotateAndRestartOnlyWhenTheyChange() {
        let backends = LoadBalancerBackends()
        backends.set(["web-1", "web-2"], for: a)
        #expect((0..<3).map { _ in backends.next(for: a) } == ["web-1", "web-2", "web-1"])
        backends.set(["web-1", "web-2"], for: a)
        #expect(backends.next(for: a) == "web-2")
        backends.set(["web-3"], for: a)
        #expect(backends.next(for: a) == "web-3")
        backends.set([], for: a)
        #expect(backends.next(for: a) == nil)
        #expect(backends.next(for: b) == nil)
    }

    @Test func theAnswerNamesClusterServiceAndPod() {
        #expect(
            LoadBalancerHTTPHandler.body(cluster: "west", service: a, pod: "web-1")
                == "cluster: west\nnamespace: default\nservice: a\npod: web-1\n")
    }
}
