import ArgumentParser
import Foundation
import KubeAPI
import KubeClient

/// `meridian-fedbench`: measures a running federation from the outside, as a user sees it:
/// propagation latency from a create in the federation to the copy visible in every
/// member, and convergence of many Deployments to ready; prints one JSON document.
@main
struct FederationBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meridian-fedbench",
        abstract: "Benchmark propagation of a running federation and print JSON results.",
        discussion: """
            Example (see scripts/bench-federation.sh, which sets all of this up):
              meridian-fedbench --kubeconfig fed.kubeconfig:members.kubeconfig --federation meridian \\
                --objects 200 --deployments 1000 --server-pid 1234
            """)

    @Option(help: "Kubeconfig files (colon-separated) holding the federation and every member.") var kubeconfig: String
    @Option(help: "Context of the federation.") var federation: String
    @Option(help: "ConfigMaps created one by one for the latency distribution.") var objects: Int = 200
    @Option(help: "Creates per second during the latency run.") var rate: Double = 20
    @Option(help: "Deployments created at once for the convergence run (0: skip).") var deployments: Int = 0
    @Option(help: "Concurrent writers for the convergence run.") var writers: Int = 16
    @Flag(inversion: .prefixedNo, help: "Wait for the federation to report every Deployment ready (members without controllers never do).")
    var waitReady = true
    @Option(help: "PID of the control plane, for its memory and CPU time.") var serverPid: Int32?
    @Option(help: "PID of the members' sandbox process, for its CPU time.") var membersPid: Int32?
    @Option(help: "Seconds to wait for either run to finish.") var timeout: Int = 300

    func run() async throws {
        let config = try Kubeconfig.load(paths: kubeconfig.split(separator: ":").map(String.init))
        let fed = try KubeClient(try config.resolve(context: federation), maxConnections: max(writers, 4))
        let memberNames = config.contexts.keys.filter { $0 != federation }.sorted()
        var members: [String: KubeClient] = [:]
        for name in memberNames { members[name] = try KubeClient(try config.resolve(context: name), maxConnections: 4) }
        var results: [String: JSONValue] = ["members": .int(Int64(members.count))]
        results["rssMiBBefore"] = Self.rssMiB(serverPid)

        // A run that does not finish is reported as such; the other figures still print.
        let latency = PropagationLatency(federation: fed, members: members, timeout: .seconds(timeout))
        do {
            results["propagation"] = try await latency.measure(objects: objects, rate: rate)
        } catch {
            results["propagation"] = ["error": .string("\(error)")]
        }
        results["rssMiBAfterLatency"] = Self.rssMiB(serverPid)
        if deployments > 0 {
            let convergence = Convergence(federation: fed, members: members, timeout: .seconds(timeout))
            let cpuBefore = (Self.cpuSeconds(serverPid), Self.cpuSeconds(membersPid))
            do {
                results["convergence"] = try await convergence.measure(deployments: deployments, writers: writers, waitReady: waitReady)
            } catch {
                results["convergence"] = ["error": .string("\(error)")]
            }
            // Where the two cores went during the run: the control plane or the members.
            if let before = cpuBefore.0, let after = Self.cpuSeconds(serverPid) {
                results["convergenceCPUSecondsControlPlane"] = .double(((after - before) * 10).rounded() / 10)
            }
            if let before = cpuBefore.1, let after = Self.cpuSeconds(membersPid) {
                results["convergenceCPUSecondsMembers"] = .double(((after - before) * 10).rounded() / 10)
            }
            results["rssMiBAfterConvergence"] = Self.rssMiB(serverPid)
        }
        print(JSONValue.object(results).serializedString())
        await fed.shutdown()
        for client in members.values { await client.shutdown() }
    }

    /// User plus system CPU time of a process so far (`/proc/PID/stat`, fields 14 and 15).
    static func cpuSeconds(_ pid: Int32?) -> Double? {
        guard let pid, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func rssMiB(_ pid: Int32?) -> JSONValue {
        guard let pid, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return .null }
        return .double((kb / 1024 * 10).rounded() / 10)
    }
}

enum BenchmarkFailure: Error, CustomStringConvertible {
    case timedOut(String)
    var description: String {
        switch self {
        case .timedOut(let what): return "timed out: \(what)"
        }
    }
}

extension Duration {
    var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}

/// Percentiles of a sample in milliseconds.
struct Distribution {
    var values: [Double]

    func json() -> JSONValue {
        let sorted = values.sorted()
        func pct(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        func round(_ v: Double) -> JSONValue { .double((v * 10).rounded() / 10) }
        return [
            "samples": .int(Int64(sorted.count)), "p50Ms": round(pct(0.5)), "p90Ms": round(pct(0.9)), "p99Ms": round(pct(0.99)),
            "maxMs": round(sorted.last ?? 0),
        ]
    }
}

/// Polls `condition` until it holds, or fails after `timeout`.
func waitUntil(_ what: String, timeout: Duration, every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool)
    async throws
{
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw BenchmarkFailure.timedOut(what) }
        try await Task.sleep(for: interval)
    }
}
