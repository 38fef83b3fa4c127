import FederationAPI
import Testing

@testable import Federation

@Suite struct ClusterHealthTests {
    @Test func offlineAfterThreeFailuresReadyAfterTwoSuccesses() {
        var health = ClusterHealth(state: .ready)
        #expect(health.record(success: false, error: "refused") == nil)
        #expect(health.record(success: false, error: "refused") == nil)
        #expect(health.record(success: false, error: "refused") == .offline)
        #expect(health.record(success: false) == nil)
        #expect(health.lastError == nil)
        #expect(health.record(success: true) == nil)
        #expect(health.record(success: true) == .ready)
        #expect(health.state == .ready)
    }

    @Test func aFlappingClusterDoesNotFlip() {
        var health = ClusterHealth(state: .ready)
        for _ in 0..<10 {
            #expect(health.record(success: false) == nil)
            #expect(health.record(success: false) == nil)
            #expect(health.record(success: true) == nil)
        }
        #expect(health.state == .ready)
    }

    @Test func aNewClusterIsReadyAtItsFirstSuccessAndOfflineAfterThreeFailures() {
        var fresh = ClusterHealth()
        #expect(fresh.record(success: true) == .ready)
        var dead = ClusterHealth()
        #expect(dead.record(success: false) == nil)
        #expect(dead.record(success: false) == nil)
        #expect(dead.record(success: false, error: "no route") == .offline)
        #expect(dead.lastError == "no route")
    }
}
