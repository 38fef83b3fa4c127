import Foundation
import KubeAPI
import KubeClient
import StoreTesting
import Testing

/// `meridian apiserver --store etcd` processes on real etcd: several servers on one etcd,
/// and etcd going away and coming back.
@Suite(.enabled(if: EtcdCluster.binary != nil, "etcd is not installed (apt-get install etcd-server)"))
struct EtcdAPIServerTests {
    static let configMaps = "/api/v1/namespaces/default/configmaps"

    static func apiserver(_ etcd: EtcdCluster) throws -> MeridianProcess {
        try MeridianProcess.apiserver(extra: ["--store", "etcd", "--etcd-endpoints", etcd.endpoints])
    }

    func client(_ server: MeridianProcess) throws -> KubeHTTPClient {
        try KubeHTTPClient(try Kubeconfig.load(paths: [server.kubeconfig.path]).resolve())
    }

    static func configMap(_ name: String, _ value: String = "1", resourceVersion: String? = nil) -> [UInt8] {
        var meta: JSONValue = ["name": .string(name)]
        if let resourceVersion { meta["resourceVersion"] = .string(resourceVersion) }
        return JSONValue.object(["apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": ["k": .string(value)]]).serialized()
    }

    /// Watch events ("TYPE name rv") from `path` until `count` arrived.
    func events(_ c: KubeHTTPClient, _ path: String, count: Int) async throws -> [(type: String, name: String, rv: Int)] {
        var out: [(type: String, name: String, rv: Int)] = []
        _ = try await c.stream(path, timeout: .seconds(60)) { line in
            let e = try JSONParser.parse(line)
            out.append(
                (
                    e["type"].stringValue ?? "", e["object"]["metadata"]["name"].stringValue ?? "",
                    Int(e["object"]["metadata"]["resourceVersion"].stringValue ?? "") ?? -1
                ))
            return out.count < count
        }
        return out
    }

    /// Two API servers on one fresh etcd and a client for each; both are killed afterwards.
    func withTwoServers(_ body: (_ a: MeridianProcess, _ ca: KubeHTTPClient, _ cb: KubeHTTPClient) async throws -> Void) async throws {
        let etcd = try await EtcdCluster.start()
        defer { etcd.stopAll() }
        let a = try Self.apiserver(etcd)
        let b = try Self.apiserver(etcd)
        defer {
            a.kill()
            b.kill()
        }
        let ca = try client(a)
        let cb = try client(b)
        try await body(a, ca, cb)
        await ca.shutdown()
        await cb.shutdown()
    }

    @Test func twoAPIServersOnOneEtcdShareWritesWatchesAndResourceVersions() async throws {
        try await withTwoServers { a, ca, cb in
            let list = try await cb.request(.GET, Self.configMaps).json()
            let rv0 = list["metadata"]["resourceVersion"].stringValue ?? ""
            // A watch through B, open before the write through A.
            async let seen = events(cb, "\(Self.configMaps)?watch=true&resourceVersion=\(rv0)", count: 2)
            let created = try await ca.request(.POST, Self.configMaps, body: Self.configMap("shared"))
            #expect(created.status == 201)
            let rv1 = try created.json()["metadata"]["resourceVersion"].stringValue ?? ""
            // B accepts A's resourceVersion for an update, and refuses a stale one.
            let updated = try await cb.request(.PUT, "\(Self.configMaps)/shared", body: Self.configMap("shared", "2", resourceVersion: rv1))
            #expect(updated.status == 200)
            let stale = try await ca.request(.PUT, "\(Self.configMaps)/shared", body: Self.configMap("shared", "3", resourceVersion: rv1))
            #expect(stale.status == 409)
            let rv2 = try updated.json()["metadata"]["resourceVersion"].stringValue ?? ""
            let got = try await seen
            #expect(got.map { "\($0.type) \($0.name) \($0.rv)" } == ["ADDED shared \(rv1)", "MODIFIED shared \(rv2)"])
            // A watch on A from B's resourceVersion replays what happened after it.
            let fromA = try await events(ca, "\(Self.configMaps)?watch=true&resourceVersion=\(rv1)", count: 1)
            #expect(fromA.map { "\($0.type) \($0.name) \($0.rv)" } == ["MODIFIED shared \(rv2)"])
            // kill -9 of A leaves B serving.
            a.kill()
            let after = try await cb.request(.POST, Self.configMaps, body: Self.configMap("after-kill"))
            #expect(after.status == 201)
            let names = try await cb.request(.GET, Self.configMaps).json()["items"].arrayValue?.compactMap {
                $0["metadata"]["name"].stringValue
            }
            #expect(names == ["after-kill", "shared"])
        }
    }

    /// Each API server's writes start from its watch-fed cache, which may not have the other
    /// server's last write yet: preconditions, no-op detection and the namespace check must
    /// then be decided again on etcd, never answered from the stale copy.
    @Test func cachedWritesOnTwoServersStayExact() async throws {
        try await withTwoServers { _, ca, cb in
            let ns: JSONValue = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "team"]]
            #expect(try await ca.request(.POST, "/api/v1/namespaces", body: ns.serialized()).status == 201)
            let path = "/api/v1/namespaces/team/configmaps"
            // B may not know the namespace yet: its create must still succeed.
            let created = try await cb.request(.POST, path, body: Self.configMap("ping"))
            #expect(created.status == 201)
            var rv = try created.json()["metadata"]["resourceVersion"].stringValue ?? ""
            // Alternate servers, each update naming the resourceVersion the other just returned.
            for i in 0..<20 {
                let server = i % 2 == 0 ? ca : cb
                let r = try await server.request(.PUT, "\(path)/ping", body: Self.configMap("ping", "\(i)", resourceVersion: rv))
                #expect(r.status == 200, "update \(i): \(r.status) \(String(decoding: r.body.prefix(200), as: UTF8.self))")
                rv = try r.json()["metadata"]["resourceVersion"].stringValue ?? ""
            }
            // B's cache has its own last write ("19": resourceVersion 0 reads come from it); A
            // changes the object, and B at once puts back what its cache may still hold: that is
            // a change on etcd, so it must be written, not answered as a no-op.
            let deadline = ContinuousClock.now + .seconds(20)
            while try await cb.request(.GET, "\(path)/ping?resourceVersion=0").json()["data"]["k"].stringValue != "19" {
                #expect(ContinuousClock.now < deadline, "B's cache never caught up")
                if ContinuousClock.now > deadline { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            let byA = try await ca.request(.PUT, "\(path)/ping", body: Self.configMap("ping", "20"))
            #expect(byA.status == 200)
            let back = try await cb.request(.PUT, "\(path)/ping", body: Self.configMap("ping", "19"))
            #expect(back.status == 200)
            let rvA = Int(try byA.json()["metadata"]["resourceVersion"].stringValue ?? "") ?? 0
            #expect(Int(try back.json()["metadata"]["resourceVersion"].stringValue ?? "") ?? 0 > rvA)
            #expect(try await ca.request(.GET, "\(path)/ping").json()["data"]["k"].stringValue == "19")
            // A terminating namespace refuses creates through B at once, whatever B has cached.
            #expect(try await ca.request(.DELETE, "/api/v1/namespaces/team").status == 200)
            let late = try await cb.request(.POST, path, body: Self.configMap("late"))
            #expect([403, 404].contains(late.status), "create in a terminating namespace: \(late.status)")
        }
    }

    @Test func etcdDownAnswers503AndWatchesResumeWithoutGaps() async throws {
        let etcd = try await EtcdCluster.start()
        defer { etcd.stopAll() }
        let server = try Self.apiserver(etcd)
        defer { server.kill() }
        let c = try client(server)
        let rv0 = try await c.request(.GET, Self.configMaps).json()["metadata"]["resourceVersion"].stringValue ?? ""
        async let seen = events(c, "\(Self.configMaps)?watch=true&resourceVersion=\(rv0)", count: 6)
        for i in 0..<3 { #expect(try await c.request(.POST, Self.configMaps, body: Self.configMap("before-\(i)")).status == 201) }
        etcd.stop(0)
        let started = ContinuousClock.now
        let down = try await c.request(.GET, Self.configMaps)
        #expect([503, 504].contains(down.status), "status \(down.status)")
        #expect(ContinuousClock.now - started < .seconds(20), "a stopped etcd must not hold requests past the request timeout")
        #expect(down.statusError?.code == down.status)
        try await etcd.restart(0)
        for i in 0..<3 {
            let deadline = ContinuousClock.now + .seconds(30)
            var status = 0
            repeat {
                status = try await c.request(.POST, Self.configMaps, body: Self.configMap("after-\(i)")).status
            } while [503, 504].contains(status) && ContinuousClock.now < deadline
            #expect(status == 201)
        }
        let got = try await seen
        #expect(got.map { "\($0.type) \($0.name)" } == (0..<3).map { "ADDED before-\($0)" } + (0..<3).map { "ADDED after-\($0)" })
        let rvs = got.map(\.rv)
        #expect(rvs == rvs.sorted() && Set(rvs).count == 6)
        await c.shutdown()
    }

    /// `meridian sandbox` keeps its objects in etcd too, under the prefix it is given.
    @Test func sandboxOnEtcd() throws {
        let etcd = try EtcdCluster()
        defer { etcd.stopAll() }
        let sandbox = try MeridianProcess.sandbox(
            name: "on-etcd", extra: ["--nodes", "1", "--store", "etcd", "--etcd-endpoints", etcd.endpoints, "--etcd-prefix", "/tenant"])
        defer { sandbox.kill() }
        try sandbox.kubectlEventually(["get", "nodes", "-o", "name"]) { $0.output == "node/on-etcd-node-1\n" }
        let keys = try run(
            "/usr/bin/etcdctl", ["--endpoints", etcd.endpoints, "get", "--prefix", "--keys-only", "/tenant/registry/nodes/"],
            environment: ["ETCDCTL_API": "3"])
        #expect(keys.output.split(separator: "\n") == ["/tenant/registry/nodes/on-etcd-node-1"])
    }

    /// An API server on a 3-member etcd keeps serving writes while one member is killed, and
    /// every write it acknowledged is there afterwards.
    @Test func threeMemberEtcdLosesAMemberUnderAPIWriteLoad() async throws {
        let etcd = try await EtcdCluster.start(members: 3)
        defer { etcd.stopAll() }
        let server = try Self.apiserver(etcd)
        defer { server.kill() }
        let c = try client(server)
        let acknowledged = try await withThrowingTaskGroup(of: [String: String].self) { group in
            for writer in 0..<4 {
                group.addTask {
                    var mine: [String: String] = [:]
                    for i in 0..<60 {
                        let name = "w\(writer)-\(i)"
                        let r = try await c.request(.POST, Self.configMaps, body: Self.configMap(name))
                        if r.status == 201 { mine[name] = try r.json()["metadata"]["resourceVersion"].stringValue }
                    }
                    return mine
                }
            }
            group.addTask {
                let deadline = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < deadline {
                    let list = try await c.request(.GET, "\(Self.configMaps)?limit=1").json()
                    if (list["metadata"]["remainingItemCount"].intValue ?? 0) >= 60 { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                etcd.stop(0)
                return [:]
            }
            var all: [String: String] = [:]
            for try await part in group { all.merge(part) { a, _ in a } }
            return all
        }
        #expect(acknowledged.count >= 180, "only \(acknowledged.count) of 240 creates acknowledged")
        let items = try await c.request(.GET, Self.configMaps).json()["items"].arrayValue ?? []
        let stored = Dictionary(
            uniqueKeysWithValues: items.compactMap { item in
                item["metadata"]["name"].stringValue.map { ($0, item["metadata"]["resourceVersion"].stringValue ?? "") }
            })
        let lost = acknowledged.filter { stored[$0.key] != $0.value }.keys.sorted()
        #expect(lost.isEmpty, "acknowledged creates lost: \(lost.prefix(10))")
        await c.shutdown()
    }
}
