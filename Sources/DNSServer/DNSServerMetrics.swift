import DNSWire
import Metrics

/// `meridian_dns_responses_total{transport, rcode}`: counters made once, bumped per answer.
struct DNSServerMetrics: Sendable {
    private let udp: [Counter]
    private let tcp: [Counter]

    static let rcodes = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "OTHER"]

    init() {
        func counters(_ transport: String) -> [Counter] {
            Self.rcodes.map { Counter(label: "meridian_dns_responses_total", dimensions: [("transport", transport), ("rcode", $0)]) }
        }
        udp = counters("udp")
        tcp = counters("tcp")
    }

    /// Counts one encoded response by the rcode in its header.
    func count(_ response: [UInt8], transport: QueryResponder.Transport) {
        guard response.count >= 4 else { return }
        let low = Int(response[3] & 0x0f)
        let index = low < Self.rcodes.count - 1 ? low : Self.rcodes.count - 1
        (transport == .udp ? udp : tcp)[index].increment()
    }
}
