import ArgumentParser

/// Benchmarks of the built-in DNS: probing at scale, withdrawal latency, and a zone to
/// point dnsperf at (scripts/bench-dns.sh drives them).
@main
struct DNSBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meridian-dnsbench", abstract: "Benchmarks of Meridian's DNS: probing, withdrawal latency, query serving.",
        subcommands: [ProbeBenchmark.self, WithdrawalBenchmark.self, ZoneServe.self])
}

/// Percentiles of a sample, nearest rank.
func percentile(_ values: [Duration], _ p: Double) -> Duration {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .zero }
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
    return sorted[max(0, min(sorted.count - 1, rank))]
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
