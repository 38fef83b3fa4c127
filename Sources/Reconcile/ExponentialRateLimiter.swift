/// Per-key exponential backoff: `base · 2^(failures-1)`, capped at `maximum`.
public struct ExponentialRateLimiter: Sendable {
    public var base: Duration
    public var maximum: Duration

    public init(base: Duration = .milliseconds(5), maximum: Duration = .seconds(30)) {
        self.base = base
        self.maximum = maximum
    }

    public func delay(afterFailures failures: Int) -> Duration {
        guard failures > 0 else { return .zero }
        let exponent = min(failures - 1, 40)
        let scaled = base * (1 << exponent)
        return min(scaled, maximum)
    }
}
