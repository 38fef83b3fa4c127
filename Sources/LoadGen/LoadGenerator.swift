import ArgumentParser
import Foundation
import KubeAPI
import KubeClient
import NIOHTTP1

/// `meridian-loadgen`: measures any Kubernetes API server (and etcd, for the storage
/// path) with the operations an apiserver benchmark needs; prints one JSON document.
@main
struct LoadGenerator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meridian-loadgen",
        abstract: "Benchmark a Kubernetes API server (or etcd's HTTP gateway) and print JSON results.",
        discussion: """
            Examples:
              meridian-loadgen --kubeconfig ./kubeconfig --objects 10000 --server-pid 1234
              meridian-loadgen --etcd http://127.0.0.1:2379 --objects 10000 --server-pid 5678
            """)

    @Option(help: "Kubeconfig of the API server under test.") var kubeconfig: String?
    @Option(help: "Kubeconfig context.") var context: String?
    @Option(help: "etcd client URL: benchmark etcd's v3 HTTP gateway instead of an API server.") var etcd: String?
    @Option(help: "etcd client URL: benchmark Meridian's etcd store itself (gRPC, no API server).") var etcdStore: String?
    @Option(help: "Objects to create (and update, patch, delete).") var objects: Int = 2000
    @Option(help: "Size of each object's data in bytes.") var size: Int = 1024
    @Option(help: "Concurrent clients for create, update, patch and delete.") var writers: Int = 16
    @Option(help: "Concurrent clients for get.") var readers: Int = 32
    @Option(help: "Gets to issue.") var gets: Int = 20000
    @Option(help: "Full LISTs to time.") var lists: Int = 15
    @Option(help: "Watchers for the fan-out test.") var watchers: Int = 100
    @Option(help: "Updates observed by every watcher.") var watchUpdates: Int = 1000
    @Option(help: "PID of the server process, for CPU seconds and memory.") var serverPid: Int32?
    @Flag(help: "HTTP/1.1 (one connection per client) instead of HTTP/2 for the API server.") var http1 = false
    @Option(help: "Scenarios to run, comma-separated.") var scenarios: String = "create,get,list,update,patch,watch,delete"
    @Option(help: "Time only the JSON parser on this file (no server); see scripts/bench-json.sh.") var parseFile: String?
    @Option(help: "Parses of --parse-file to time.") var parseRepeats: Int = 20

    func run() async throws {
        if let parseFile {
            print(try ParseBenchmark.run(path: parseFile, repeats: parseRepeats).serializedString())
            return
        }
        let selected = Set(scenarios.split(separator: ",").map(String.init))
        let target: any BenchmarkTarget
        if let etcd {
            target = try EtcdTarget(url: etcd, watchers: watchers)
        } else if let etcdStore {
            target = try EtcdStoreTarget(url: etcdStore)
        } else {
            let config = try Kubeconfig.load(paths: kubeconfig.map { [$0] } ?? Kubeconfig.defaultPaths()).resolve(context: context)
            target = try APIServerTarget(
                try KubeHTTPClient(config, maxConnections: max(writers, readers), http1Only: http1), watchers: watchers)
        }
        var results: [String: JSONValue] = [:]
        let payload = String(repeating: "x", count: size)
        let names = (0..<objects).map { String(format: "bench-%06d", $0) }
        try await target.prepare()
        results["rssMiBBefore"] = memory()
        func measure(_ name: String, ops: Int, clients: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
            guard selected.contains(name) else { return }
            let cpu0 = cpuSeconds()
            let own0 = ownCPUSeconds()
            let r = try await Workload.run(operations: ops, concurrency: clients, body)
            var entry = r.json
            // The load generator's own CPU (with --etcd-store, that is the store's).
            entry["clientCPUMillisecondsPerOp"] = .double((ownCPUSeconds() - own0) * 1000 / Double(max(ops, 1))).rounded3
            if let c0 = cpu0, let c1 = cpuSeconds() {
                entry["serverCPUSeconds"] = JSONValue.double(c1 - c0).rounded3
                entry["serverCPUMillisecondsPerOp"] = .double((c1 - c0) * 1000 / Double(max(ops, 1))).rounded3
            }
            results[name] = entry
            FileHandle.standardError.write(Data("\(name): \(entry.serializedString())\n".utf8))
        }
        try await measure("create", ops: objects, clients: writers) { i in try await target.create(names[i], payload) }
        try await measure("get", ops: gets, clients: readers) { i in try await target.get(names[(i &* 7919) % names.count]) }
        try await measure("list", ops: lists, clients: 1) { _ in
            let n = try await target.list()
            if n != names.count { throw BenchmarkError.unexpected("LIST returned \(n) of \(names.count)") }
        }
        results["rssMiBWithObjects"] = memory()
        try await measure("update", ops: objects, clients: writers) { i in try await target.update(names[i], payload + "u") }
        try await measure("patch", ops: objects, clients: writers) { i in try await target.patch(names[i]) }
        if selected.contains("watch") {
            results["watch"] = try await target.watchFanOut(watchers: watchers, updates: watchUpdates)
        }
        try await measure("delete", ops: objects, clients: writers) { i in try await target.delete(names[i]) }
        results["target"] = .string(etcd.map { "etcd \($0)" } ?? etcdStore.map { "etcd store \($0)" } ?? "apiserver")
        results["objects"] = .int(Int64(objects))
        results["objectBytes"] = .int(Int64(size))
        print(JSONValue.object(results).serializedString())
        await target.shutdown()
    }

    func cpuSeconds() -> Double? {
        guard let pid = serverPid, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        // Fields after the command name (which may hold spaces): utime is 14th, stime 15th.
        let rest = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        guard rest.count > 13, let u = Double(rest[11]), let s = Double(rest[12]) else { return nil }
        return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    func memory() -> JSONValue {
        guard let pid = serverPid, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return .null }
        return .double(kb / 1024).rounded3
    }
}

enum BenchmarkError: Error, CustomStringConvertible {
    case unexpected(String)
    var description: String {
        switch self {
        case .unexpected(let m): return m
        }
    }
}

extension JSONValue {
    var rounded3: JSONValue {
        if case .double(let d) = self { return .double((d * 1000).rounded() / 1000) }
        return self
    }
}

/// What one system under test must do.
protocol BenchmarkTarget: Sendable {
    func prepare() async throws
    func create(_ name: String, _ payload: String) async throws
    func get(_ name: String) async throws
    func list() async throws -> Int
    func update(_ name: String, _ payload: String) async throws
    func patch(_ name: String) async throws
    func delete(_ name: String) async throws
    func watchFanOut(watchers: Int, updates: Int) async throws -> JSONValue
    func shutdown() async
}

/// Runs `operations` calls over `concurrency` workers and records latencies.
enum Workload {
    struct Result {
        var operations: Int
        var seconds: Double
        var latencies: [Double]
        var json: JSONValue {
            let sorted = latencies.sorted()
            func pct(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
            return [
                "operations": .int(Int64(operations)), "seconds": JSONValue.double(seconds).rounded3,
                "opsPerSecond": JSONValue.double(Double(operations) / seconds).rounded3,
                "p50Ms": JSONValue.double(pct(0.5)).rounded3, "p99Ms": JSONValue.double(pct(0.99)).rounded3,
            ]
        }
    }

    static func run(operations: Int, concurrency: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws -> Result {
        let clock = ContinuousClock()
        let start = clock.now
        let perWorker = try await withThrowingTaskGroup(of: [Double].self) { group in
            for w in 0..<concurrency {
                group.addTask {
                    var lat: [Double] = []
                    var i = w
                    while i < operations {
                        let t0 = clock.now
                        try await body(i)
                        let d = clock.now - t0
                        lat.append(Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
                        i += concurrency
                    }
                    return lat
                }
            }
            var all: [Double] = []
            for try await l in group { all += l }
            return all
        }
        let elapsed = clock.now - start
        return Result(
            operations: operations, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            latencies: perWorker)
    }
}
