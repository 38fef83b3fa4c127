import Foundation
import KubeAPI
import KubeClient
import Logging
import Reconcile
import Testing

/// Leader election on a Lease of a real `meridian apiserver`: one leader at a time, a
/// released Lease taken over at once, an abandoned one after its duration, and a leader
/// that cannot renew stops leading.
@Suite struct LeaderElectionTests {
    /// Who leads, in order; two at once is recorded as a violation.
    actor Leadership {
        var current: Set<String> = []
        var history: [String] = []
        var overlaps = 0

        func start(_ id: String) {
            if !current.isEmpty { overlaps += 1 }
            current.insert(id)
            history.append("+\(id)")
        }

        func stop(_ id: String) {
            current.remove(id)
            history.append("-\(id)")
        }
    }

    static let leaseDuration = Duration.seconds(2)

    static func elector(_ client: KubeClient, _ id: String) -> LeaderElector {
        LeaderElector(
            client: client,
            configuration: .init(
                namespace: "default", name: "election", identity: id, leaseDuration: leaseDuration, renewDeadline: .milliseconds(1500),
                retryPeriod: .milliseconds(200)),
            logger: Logger(label: "test.election"))
    }

    /// Runs an elector whose leadership is recorded in `leadership` until cancelled.
    static func campaign(_ client: KubeClient, _ id: String, _ leadership: Leadership) -> Task<Void, any Error> {
        Task {
            try await elector(client, id).run {
                await leadership.start(id)
                do {
                    try await Task.sleep(for: .seconds(3600))
                } catch {
                    await leadership.stop(id)
                    throw error
                }
            }
        }
    }

    static func until(_ timeout: Duration = .seconds(15), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw MeridianProcess.Failure("condition not met within \(timeout)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func lease(_ client: KubeClient) async throws -> JSONValue {
        try await client.get(.leases, namespace: "default", name: "election")
    }

    @Test func oneLeaderAtATimeAndAReleasedLeaseIsTakenOverAtOnce() async throws {
        let server = try MeridianProcess.apiserver()
        let client = try KubeClient(try Kubeconfig.load(explicitPath: server.kubeconfig.path).resolve())
        let leadership = Leadership()
        let a = Self.campaign(client, "a", leadership)
        try await Self.until { await leadership.current == ["a"] }
        let b = Self.campaign(client, "b", leadership)
        // While a renews (its renewTime moves on for longer than a lease duration), b waits.
        let firstRenewal = try await Self.lease(client)["spec"]["renewTime"].stringValue ?? ""
        let started = ContinuousClock.now
        try await Self.until {
            let renewed = try await Self.lease(client)["spec"]["renewTime"].stringValue ?? ""
            return renewed != firstRenewal && ContinuousClock.now - started > Self.leaseDuration * 1.5
        }
        #expect(await leadership.current == ["a"])
        #expect(try await Self.lease(client)["spec"]["holderIdentity"] == "a")

        // a stops: it releases the Lease and b leads well before the lease would have run out.
        let stopped = ContinuousClock.now
        a.cancel()
        try await Self.until { await leadership.current == ["b"] }
        #expect(ContinuousClock.now - stopped < Self.leaseDuration)
        let lease = try await Self.lease(client)
        #expect(lease["spec"]["holderIdentity"] == "b")
        #expect(lease["spec"]["leaseTransitions"] == 1)
        #expect(await leadership.overlaps == 0)
        #expect(await leadership.history == ["+a", "-a", "+b"])
        b.cancel()
        _ = await b.result
        try await Self.until { try await Self.lease(client)["spec"]["holderIdentity"].isNull }
        await client.shutdown()
    }

    @Test func anAbandonedLeaseIsTakenAfterItsDurationAndALeaderThatCannotRenewStops() async throws {
        let server = try MeridianProcess.apiserver()
        let client = try KubeClient(try Kubeconfig.load(explicitPath: server.kubeconfig.path).resolve())
        // A leader that died without releasing (kill -9).
        let abandoned: JSONValue = [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": ["name": "election", "namespace": "default"],
            "spec": [
                "holderIdentity": "crashed", "leaseDurationSeconds": 2, "renewTime": .string(Timestamp.formatMicro(Date())),
                "leaseTransitions": 4,
            ],
        ]
        _ = try await client.create(.leases, namespace: "default", abandoned)
        let leadership = Leadership()
        let started = ContinuousClock.now
        let c = Self.campaign(client, "c", leadership)
        try await Self.until { await leadership.current == ["c"] }
        let waited = ContinuousClock.now - started
        #expect(waited >= Self.leaseDuration && waited < Self.leaseDuration + .seconds(2), "took over after \(waited)")
        #expect(try await Self.lease(client)["spec"]["leaseTransitions"] == 5)

        // Another holder writes itself in (c's renewals now fail): c stops leading within its renew deadline.
        var stolen = try await Self.lease(client)
        stolen["spec"]["holderIdentity"] = "thief"
        stolen["spec"]["renewTime"] = .string(Timestamp.formatMicro(Date()))
        _ = try await client.update(.leases, stolen)
        let stolenAt = ContinuousClock.now
        try await Self.until { await leadership.current.isEmpty }
        #expect(ContinuousClock.now - stolenAt < .seconds(3))
        // The thief never renews: c takes the Lease back once it has run out.
        try await Self.until { await leadership.current == ["c"] }
        #expect(await leadership.history == ["+c", "-c", "+c"])
        #expect(await leadership.overlaps == 0)
        c.cancel()
        _ = await c.result
        await client.shutdown()
    }
}
