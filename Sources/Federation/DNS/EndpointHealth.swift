/// The health of one endpoint as consecutive probe results move it: a state machine that
/// says when to withdraw (failures reach the threshold) and when to restore (successes
/// reach theirs). A new endpoint starts healthy, as kubefed published at once; the first
/// failures withdraw it.
public struct EndpointHealth: Sendable, Equatable {
    public enum Transition: Sendable, Equatable {
        case withdrawn
        case restored
    }

    public private(set) var healthy = true
    public private(set) var consecutiveFailures = 0
    public private(set) var consecutiveSuccesses = 0
    public private(set) var lastError: String?

    public init() {}

    /// Records one probe result; returns the transition it caused, if any.
    public mutating func record(success: Bool, error: String? = nil, policy: ProbePolicy) -> Transition? {
        if success {
            consecutiveSuccesses += 1
            consecutiveFailures = 0
            lastError = nil
            if !healthy && consecutiveSuccesses >= policy.successThreshold {
                healthy = true
                return .restored
            }
        } else {
            consecutiveFailures += 1
            consecutiveSuccesses = 0
            lastError = error
            if healthy && consecutiveFailures >= policy.failureThreshold {
                healthy = false
                return .withdrawn
            }
        }
        return nil
    }
}
