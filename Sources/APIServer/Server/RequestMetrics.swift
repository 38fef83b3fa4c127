import Metrics
import Synchronization

/// Request counters and latency timers by verb, resource and code, created once per
/// label set rather than per request.
final class RequestMetrics: Sendable {
    private let counters = Mutex<[String: Counter]>([:])
    private let timers = Mutex<[String: Metrics.Timer]>([:])

    func record(verb: String, resource: String, code: Int, nanoseconds: Int64) {
        let counterKey = "\(verb)|\(resource)|\(code)"
        let counter = counters.withLock { cache in
            if let c = cache[counterKey] { return c }
            let c = Counter(label: "apiserver_request_total", dimensions: [("verb", verb), ("resource", resource), ("code", String(code))])
            cache[counterKey] = c
            return c
        }
        counter.increment()
        let timerKey = "\(verb)|\(resource)"
        let timer = timers.withLock { cache in
            if let t = cache[timerKey] { return t }
            let t = Metrics.Timer(
                label: "apiserver_request_duration_seconds", dimensions: [("verb", verb), ("resource", resource)],
                preferredDisplayUnit: .seconds)
            cache[timerKey] = t
            return t
        }
        timer.recordNanoseconds(nanoseconds)
    }
}
