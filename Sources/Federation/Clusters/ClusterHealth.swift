import FederationAPI

/// One member's health as probes see it: Offline after `offlineAfter` consecutive
/// failures, Ready again after `readyAfter` consecutive successes. A value type whose
/// transitions say what changed; the controller writes status.
public struct ClusterHealth: Sendable, Equatable {
    public var state: ClusterState?
    public var failures = 0
    public var successes = 0
    public var lastError: String?
    let offlineAfter: Int
    let readyAfter: Int

    public init(state: ClusterState? = nil, offlineAfter: Int = 3, readyAfter: Int = 2) {
        self.state = state
        self.offlineAfter = offlineAfter
        self.readyAfter = readyAfter
    }

    /// Records one probe; returns the new state when it changed.
    public mutating func record(success: Bool, error: String? = nil) -> ClusterState? {
        if success {
            successes += 1
            failures = 0
            lastError = nil
            // A cluster never probed before is Ready at its first success.
            if state != .ready, successes >= readyAfter || state == nil {
                state = .ready
                return .ready
            }
        } else {
            failures += 1
            successes = 0
            lastError = error
            if state != .offline, failures >= offlineAfter {
                state = .offline
                return .offline
            }
        }
        return nil
    }
}
