import Foundation
import KubeAPI
import KubeClient
import Testing

/// Watch behaviour at the HTTP level: resuming from a resourceVersion, selector
/// transitions, and sendInitialEvents with its bookmark.
@Suite struct WatchSemanticsTests {
    func client(_ server: MeridianProcess) throws -> KubeHTTPClient {
        try KubeHTTPClient(try Kubeconfig.load(paths: [server.kubeconfig.path]).resolve())
    }

    /// Reads watch events until `count` arrived.
    func events(_ c: KubeHTTPClient, _ path: String, count: Int) async throws -> [JSONValue] {
        var out: [JSONValue] = []
        _ = try await c.stream(path, timeout: .seconds(20)) { line in
            out.append(try JSONParser.parse(line))
            return out.count < count
        }
        return out
    }

    func summary(_ events: [JSONValue]) -> [String] {
        events.map { "\($0["type"].stringValue ?? "") \($0["object"]["metadata"]["name"].stringValue ?? "")" }
    }

    @Test func resumesFromAResourceVersionWithoutGaps() async throws {
        let server = try MeridianProcess.apiserver()
        let c = try client(server)
        let base = "/api/v1/namespaces/default/configmaps"
        let cm: (String) -> [UInt8] = {
            JSONValue.object(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string($0)]]).serialized()
        }
        let created = try await c.request(.POST, base, body: cm("a")).json()
        let rv = created["metadata"]["resourceVersion"].stringValue!
        _ = try await c.request(.PATCH, "\(base)/a", body: Array(#"{"data":{"k":"1"}}"#.utf8), contentType: "application/merge-patch+json")
        _ = try await c.request(.POST, base, body: cm("b"))
        _ = try await c.request(.DELETE, "\(base)/a")
        let got = try await events(c, "\(base)?watch=true&resourceVersion=\(rv)", count: 3)
        #expect(summary(got) == ["MODIFIED a", "ADDED b", "DELETED a"])
        let rvs = got.compactMap { Int($0["object"]["metadata"]["resourceVersion"].stringValue ?? "") }
        #expect(rvs == rvs.sorted() && rvs.first! > Int(rv)!)
        await c.shutdown()
    }

    @Test func selectorTransitionsAndInitialEvents() async throws {
        let server = try MeridianProcess.apiserver()
        let c = try client(server)
        let base = "/api/v1/namespaces/default/configmaps"
        for (name, tier) in [("x", "web"), ("y", "db")] {
            _ = try await c.request(
                .POST, base,
                body: JSONValue.object([
                    "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "labels": ["tier": .string(tier)]],
                ]).serialized())
        }
        let path =
            "\(base)?watch=true&labelSelector=tier%3Dweb&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan"
        let (stream, sink) = AsyncStream<JSONValue>.makeStream()
        let watcher = Task {
            _ = try await c.stream(path, timeout: .seconds(20)) { line in
                sink.yield(try JSONParser.parse(line))
                return true
            }
        }
        defer { watcher.cancel() }
        var iterator = stream.makeAsyncIterator()
        var got: [JSONValue] = []
        // The initial state (and its bookmark) arrives before any label changes.
        while got.count < 2, let e = await iterator.next() { got.append(e) }
        _ = try await c.request(
            .PATCH, "\(base)/x", body: Array(#"{"metadata":{"labels":{"tier":"db"}}}"#.utf8), contentType: "application/merge-patch+json")
        _ = try await c.request(
            .PATCH, "\(base)/y", body: Array(#"{"metadata":{"labels":{"tier":"web"}}}"#.utf8), contentType: "application/merge-patch+json")
        while got.count < 4, let e = await iterator.next() { got.append(e) }
        #expect(summary(got) == ["ADDED x", "BOOKMARK ", "DELETED x", "ADDED y"])
        #expect(got[1]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"] == "true")
        #expect(got[2]["object"]["metadata"]["labels"]["tier"] == "db")
        watcher.cancel()
        await c.shutdown()
    }
    /// A watch pinned to one name by its field selector (served from the stored bytes) sees
    /// exactly what a watch whose selector needs the decoded object sees: that object's
    /// events, with their resourceVersions, and nothing of a name that only ends the same.
    @Test func nameSelectorWatchesOneObject() async throws {
        let server = try MeridianProcess.apiserver()
        let c = try client(server)
        let base = "/api/v1/namespaces/default/configmaps"
        for name in ["pin", "xpin"] {
            let object: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)]]
            #expect(try await c.request(.POST, base, body: object.serialized()).status == 201)
        }
        let start = try await c.request(.GET, "\(base)/pin").json()["metadata"]["resourceVersion"].stringValue!
        let patch = Array(#"{"data":{"k":"v"}}"#.utf8)
        _ = try await c.request(.PATCH, "\(base)/xpin", body: patch, contentType: "application/merge-patch+json")
        let patched = try await c.request(.PATCH, "\(base)/pin", body: patch, contentType: "application/merge-patch+json").json()
        _ = try await c.request(.DELETE, "\(base)/xpin")
        let deleted = try await c.request(.DELETE, "\(base)/pin").json()

        for selector in ["metadata.name%3Dpin", "metadata.name%3Dpin,metadata.namespace%3Ddefault"] {
            let got = try await events(c, "\(base)?watch=true&resourceVersion=\(start)&fieldSelector=\(selector)", count: 2)
            #expect(summary(got) == ["MODIFIED pin", "DELETED pin"], "\(selector)")
            #expect(got[0]["object"] == patched, "\(selector)")
            #expect(got[0]["object"]["data"]["k"] == "v")
            #expect(got[1]["object"]["metadata"]["uid"] == patched["metadata"]["uid"], "\(selector)")
            #expect(deleted["details"]["uid"] == patched["metadata"]["uid"])
            let rvs = got.compactMap { Int($0["object"]["metadata"]["resourceVersion"].stringValue ?? "") }
            #expect(rvs.count == 2 && rvs[0] == Int(patched["metadata"]["resourceVersion"].stringValue ?? "") && rvs[1] > rvs[0])
        }
        await c.shutdown()
    }
}
