import Foundation
import KubeAPI
import KubeClient
import NIOCore
import NIOHTTP1

/// Collects watch delivery latencies across watcher tasks.
actor DeliveryRecorder {
    private var sent: [Int: ContinuousClock.Instant] = [:]
    private var received: [Int: [ContinuousClock.Instant]] = [:]
    private(set) var count = 0

    func markSent(_ seq: Int, at t: ContinuousClock.Instant) { sent[seq] = t }
    func markReceived(_ seq: Int, at t: ContinuousClock.Instant) {
        received[seq, default: []].append(t)
        count += 1
    }

    func summary(watchers: Int, updates: Int) -> JSONValue {
        var lat: [Double] = []
        for (seq, times) in received {
            guard let s = sent[seq] else { continue }
            for t in times {
                let d = t - s
                lat.append(max(0, Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15))
            }
        }
        lat.sort()
        func pct(_ p: Double) -> Double { lat.isEmpty ? 0 : lat[min(lat.count - 1, Int(Double(lat.count) * p))] }
        return [
            "watchers": .int(Int64(watchers)), "updates": .int(Int64(updates)),
            "delivered": .int(Int64(count)), "missed": .int(Int64(watchers * updates - count)),
            "p50Ms": JSONValue.double(pct(0.5)).rounded3, "p99Ms": JSONValue.double(pct(0.99)).rounded3,
        ]
    }
}

/// The fan-out measurement both targets share: `watchers` streams, each reporting the
/// sequence numbers it sees through `watch`, then `updates` writes made by `update`.
enum FanOut {
    static func measure(
        watchers: Int, updates: Int, settle: Duration,
        watch: @escaping @Sendable (_ deliver: @escaping @Sendable (Int) async -> Bool) async throws -> Void,
        update: (Int) async throws -> Void
    ) async throws -> JSONValue {
        let recorder = DeliveryRecorder()
        let started = DeliveryRecorder()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<watchers {
                group.addTask {
                    await started.markReceived(-1, at: .now)
                    let seen = Counter()
                    try await watch { seq in
                        await recorder.markReceived(seq, at: .now)
                        return await seen.increment() < updates
                    }
                }
            }
            await waitUntil(.now + .seconds(30)) { await started.count == watchers }
            try await Task.sleep(for: settle)  // let every stream reach the server before writing
            for seq in 1...updates {
                await recorder.markSent(seq, at: .now)
                try await update(seq)
            }
            await waitUntil(.now + .seconds(30)) { await recorder.count >= watchers * updates }
            group.cancelAll()
            return await recorder.summary(watchers: watchers, updates: updates)
        }
    }

    actor Counter {
        var value = 0
        func increment() -> Int {
            value += 1
            return value
        }
    }
}

/// Waits until `condition` holds or the deadline passes.
func waitUntil(_ deadline: ContinuousClock.Instant, _ condition: () async -> Bool) async {
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try? await Task.sleep(for: .milliseconds(20))
    }
}

struct APIServerTarget: BenchmarkTarget {
    let client: KubeHTTPClient
    /// Watches get their own connections: one HTTP/2 connection carries 100 streams at most.
    let watchClient: KubeHTTPClient
    let namespace = "meridian-bench"
    var base: String { "/api/v1/namespaces/\(namespace)/configmaps" }

    init(_ client: KubeHTTPClient, watchers: Int) throws {
        self.client = client
        watchClient = try KubeHTTPClient(client.configuration, maxConnections: watchers + 1, http1Only: true)
    }

    func check(_ r: KubeResponse, _ what: String, allow: Set<Int> = []) throws {
        if r.status >= 300 && !allow.contains(r.status) {
            throw BenchmarkError.unexpected("\(what): HTTP \(r.status) \(String(decoding: r.body.prefix(300), as: UTF8.self))")
        }
    }

    func prepare() async throws {
        let ns: JSONValue = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]]
        try check(try await client.request(.POST, "/api/v1/namespaces", body: ns.serialized()), "create namespace", allow: [409])
    }

    func cm(_ name: String, _ payload: String) -> [UInt8] {
        JSONValue.object([
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)], "data": ["payload": .string(payload)],
        ]).serialized()
    }

    func create(_ name: String, _ payload: String) async throws {
        try check(try await client.request(.POST, base, body: cm(name, payload)), "create \(name)")
    }
    func get(_ name: String) async throws { try check(try await client.request(.GET, "\(base)/\(name)"), "get \(name)") }
    func list() async throws -> Int {
        let r = try await client.request(.GET, base)
        try check(r, "list")
        return try r.json()["items"].arrayValue?.count ?? 0
    }
    func update(_ name: String, _ payload: String) async throws {
        try check(try await client.request(.PUT, "\(base)/\(name)", body: cm(name, payload)), "update \(name)")
    }
    func patch(_ name: String) async throws {
        let p: JSONValue = ["metadata": ["labels": ["patched": "yes"]]]
        try check(
            try await client.request(.PATCH, "\(base)/\(name)", body: p.serialized(), contentType: "application/merge-patch+json"),
            "patch \(name)")
    }
    func delete(_ name: String) async throws { try check(try await client.request(.DELETE, "\(base)/\(name)"), "delete \(name)") }

    func watchFanOut(watchers: Int, updates: Int) async throws -> JSONValue {
        let name = "watched"
        _ = try await client.request(.POST, base, body: cm(name, "0"))
        let rv = try await client.request(.GET, "\(base)/\(name)").json()["metadata"]["resourceVersion"].stringValue ?? "0"
        let client = self.watchClient
        let path = "\(base)?watch=true&resourceVersion=\(rv)&fieldSelector=metadata.name%3D\(name)"
        return try await FanOut.measure(watchers: watchers, updates: updates, settle: .milliseconds(300)) { deliver in
            _ = try await client.stream(path, timeout: .seconds(120)) { line in
                guard let e = try? JSONParser.parse(line), let seq = e["object"]["data"]["payload"].stringValue.flatMap(Int.init), seq > 0
                else {
                    return true
                }
                return await deliver(seq)
            }
        } update: { seq in
            try check(try await self.client.request(.PUT, "\(base)/\(name)", body: cm(name, String(seq))), "watched update")
        }
    }

    func shutdown() async {
        await client.shutdown()
        await watchClient.shutdown()
    }
}

/// etcd's v3 JSON gateway: the same operations on raw keys, for a storage-path baseline.
struct EtcdTarget: BenchmarkTarget {
    let client: KubeHTTPClient
    let prefix = "/registry/configmaps/meridian-bench/"

    init(url: String, watchers: Int) throws {
        client = try KubeHTTPClient(ClientConfiguration(server: url), maxConnections: watchers + 32, http1Only: true)
    }

    static func b64(_ s: String) -> JSONValue { .string(Data(s.utf8).base64EncodedString()) }

    func call(_ path: String, _ body: JSONValue) async throws -> JSONValue {
        let r = try await client.request(.POST, path, body: body.serialized())
        if r.status != 200 {
            throw BenchmarkError.unexpected("etcd \(path): HTTP \(r.status) \(String(decoding: r.body.prefix(300), as: UTF8.self))")
        }
        return try r.json()
    }

    /// A value shaped like the stored ConfigMap, so sizes match the API server run.
    func value(_ name: String, _ payload: String) -> String {
        JSONValue.object([
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "namespace": "meridian-bench"],
            "data": ["payload": .string(payload)],
        ]).serializedString()
    }

    func prepare() async throws {}
    func create(_ name: String, _ payload: String) async throws {
        _ = try await call("/v3/kv/put", ["key": Self.b64(prefix + name), "value": Self.b64(value(name, payload))])
    }
    func get(_ name: String) async throws {
        let r = try await call("/v3/kv/range", ["key": Self.b64(prefix + name)])
        if r["count"].stringValue != "1" { throw BenchmarkError.unexpected("etcd get \(name): \(r.serializedString().prefix(200))") }
    }
    func list() async throws -> Int {
        let end = String(prefix.dropLast()) + "0"
        let r = try await call("/v3/kv/range", ["key": Self.b64(prefix), "range_end": Self.b64(end)])
        return r["kvs"].arrayValue?.count ?? 0
    }
    func update(_ name: String, _ payload: String) async throws { try await create(name, payload) }
    func patch(_ name: String) async throws {
        // etcd has no patch: read, modify, compare-and-swap, like the apiserver's patch path.
        let r = try await call("/v3/kv/range", ["key": Self.b64(prefix + name)])
        let rev = r["kvs"][0]["mod_revision"]
        _ = try await call(
            "/v3/kv/txn",
            [
                "compare": [["key": Self.b64(prefix + name), "target": "MOD", "result": "EQUAL", "mod_revision": rev]],
                "success": [["request_put": ["key": Self.b64(prefix + name), "value": Self.b64(value(name, "patched"))]]],
            ])
    }
    func delete(_ name: String) async throws { _ = try await call("/v3/kv/deleterange", ["key": Self.b64(prefix + name)]) }

    func watchFanOut(watchers: Int, updates: Int) async throws -> JSONValue {
        let key = prefix + "watched"
        let client = self.client
        let request = JSONValue.object(["create_request": ["key": EtcdTarget.b64(key)]]).serialized()
        return try await FanOut.measure(watchers: watchers, updates: updates, settle: .milliseconds(500)) { deliver in
            _ = try await client.streamPOST("/v3/watch", body: request) { line in
                guard let e = try? JSONParser.parse(line) else { return true }
                for ev in e["result"]["events"].arrayValue ?? [] {
                    if let v = ev["kv"]["value"].stringValue.flatMap({ Data(base64Encoded: $0) }),
                        let seq = Int(String(decoding: v, as: UTF8.self)), seq > 0,
                        !(await deliver(seq))
                    {
                        return false
                    }
                }
                return true
            }
        } update: { seq in
            _ = try await call("/v3/kv/put", ["key": Self.b64(key), "value": Self.b64(String(seq))])
        }
    }

    func shutdown() async { await client.shutdown() }
}
