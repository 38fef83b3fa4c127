import Foundation
import KubeAPI
import KubeClient
import Logging
import Synchronization
import TestPorts
import Testing

/// Meridian's Kubernetes client against a real `meridian apiserver`.
@Suite struct KubeClientIntegrationTests {
    func client(_ server: MeridianProcess) throws -> KubeClient {
        try KubeClient(try Kubeconfig.load(paths: [server.kubeconfig.path]).resolve())
    }

    func configMap(_ name: String, namespace: String = "default", labels: JSONValue = .emptyObject, data: JSONValue = .emptyObject)
        -> JSONValue
    {
        [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "labels": labels],
            "data": data,
        ]
    }

    @Test func crudWithTypedErrors() async throws {
        let server = try MeridianProcess.apiserver()
        let c = try client(server)
        defer { Task { await c.shutdown() } }
        let created = try await c.create(.configMaps, configMap("one", data: ["k": "v"]))
        #expect(created["metadata"]["resourceVersion"].stringValue?.isEmpty == false)
        #expect(try await c.get(.configMaps, namespace: "default", name: "one")["data"] == ["k": "v"])

        await #expect(throws: KubeClientError.self) { try await c.create(.configMaps, configMap("one")) }
        do {
            _ = try await c.create(.configMaps, configMap("one"))
        } catch {
            #expect(error.isAlreadyExists)
            #expect(error.statusError?.message == "configmaps \"one\" already exists")
        }
        do {
            _ = try await c.get(.configMaps, namespace: "default", name: "missing")
        } catch {
            #expect(error.isNotFound)
            #expect(error.statusError?.message == "configmaps \"missing\" not found")
        }
        #expect(try await c.getIfExists(.configMaps, namespace: "default", name: "missing") == nil)

        // A stale resourceVersion is a Conflict.
        var stale = created
        stale["data"] = ["k": "w"]
        _ = try await c.update(.configMaps, stale)
        do {
            _ = try await c.update(.configMaps, stale)
            Issue.record("a stale update succeeded")
        } catch {
            #expect(error.isConflict)
        }
        try await c.delete(.configMaps, namespace: "default", name: "one")
        #expect(try await c.getIfExists(.configMaps, namespace: "default", name: "one") == nil)
        try await c.deleteIfExists(.configMaps, namespace: "default", name: "one")
    }

    @Test func listPagesSelectorsAndPatches() async throws {
        let server = try MeridianProcess.apiserver()
        let c = try client(server)
        defer { Task { await c.shutdown() } }
        for i in 0..<7 {
            _ = try await c.create(.configMaps, configMap("cm-\(i)", labels: ["parity": .string(i % 2 == 0 ? "even" : "odd")]))
        }
        let all = try await c.listAll(
            .configMaps, namespace: "default", options: ListOptions(labelSelector: "parity in (even,odd)"), pageSize: 3)
        #expect(all.items.map { $0["metadata"]["name"].stringValue ?? "" } == (0..<7).map { "cm-\($0)" })
        let first = try await c.list(.configMaps, namespace: "default", options: ListOptions(limit: 3))
        #expect(first.items.count == 3)
        #expect(first.continueToken != nil)
        let odd = try await c.list(.configMaps, namespace: "default", options: ListOptions(labelSelector: "parity=odd"))
        #expect(odd.items.map { $0["metadata"]["name"].stringValue ?? "" } == ["cm-1", "cm-3", "cm-5"])

        let merged = try await c.patch(.configMaps, namespace: "default", name: "cm-0", ["data": ["a": "1"]], as: .merge)
        #expect(merged["data"] == ["a": "1"])
        let jsonPatched = try await c.patch(
            .configMaps, namespace: "default", name: "cm-0", [["op": "add", "path": "/data/b", "value": "2"]], as: .json)
        #expect(jsonPatched["data"] == ["a": "1", "b": "2"])
        let applied = try await c.apply(.configMaps, configMap("cm-0", data: ["c": "3"]), fieldManager: "tester", force: true)
        #expect(applied["data"]["c"] == "3")
        #expect(
            (applied["metadata"]["managedFields"].arrayValue ?? []).contains { $0["manager"] == "tester" && $0["operation"] == "Apply" })
        // Another manager applying the same field without force conflicts.
        do {
            _ = try await c.apply(.configMaps, configMap("cm-0", data: ["c": "4"]), fieldManager: "other")
            Issue.record("conflicting apply succeeded")
        } catch {
            #expect(error.statusError?.code == 409)
        }
    }

    @Test func informerCachesNotifiesAndSurvivesAServerRestart() async throws {
        let dir = try Paths.temporaryDirectory("informer")
        let port = try freePort()
        var server = try MeridianProcess.apiserver(dataDir: dir, extra: ["--port", String(port)])
        let c = try client(server)
        let seen = EventLog()
        let informer = Informer(
            client: c, type: .configMaps, namespace: "default", labelSelector: "app=informed", logger: Logger(label: "test"))
        informer.addHandler { event in
            switch event {
            case .added(let o): seen.append("added \(o["metadata"]["name"].stringValue ?? "")")
            case .updated(let old, let new) where old != new: seen.append("updated \(new["metadata"]["name"].stringValue ?? "")")
            case .updated: break
            case .deleted(let o): seen.append("deleted \(o["metadata"]["name"].stringValue ?? "")")
            }
        }
        _ = try await c.create(.configMaps, configMap("before", labels: ["app": "informed"]))
        _ = try await c.create(.configMaps, configMap("unrelated", labels: ["app": "other"]))
        let running = Task { await informer.run() }
        defer {
            running.cancel()
            Task { await c.shutdown() }
        }
        #expect(await informer.waitForSync())
        #expect(await informer.get(namespace: "default", name: "before") != nil)
        #expect(await informer.get(namespace: "default", name: "unrelated") == nil)

        _ = try await c.create(.configMaps, configMap("during", labels: ["app": "informed"]))
        _ = try await c.patch(.configMaps, namespace: "default", name: "before", ["data": ["x": "1"]], as: .merge)
        try await c.delete(.configMaps, namespace: "default", name: "during")
        try await eventually { seen.entries == ["added before", "added during", "updated before", "deleted during"] }
        #expect(await informer.get(namespace: "default", name: "before")?["data"] == ["x": "1"])

        // The server goes away and comes back on the same port: the watch resumes and
        // what changed meanwhile arrives.
        server.kill()
        server = try MeridianProcess.apiserver(dataDir: dir, extra: ["--port", String(port)])
        _ = try await c.create(.configMaps, configMap("after", labels: ["app": "informed"]))
        try await eventually { seen.entries.last == "added after" }
        #expect(await informer.list().count == 2)
        server.kill()
    }

    @Test func informerIndexesObjectsByController() async throws {
        let server = try MeridianProcess.apiserver(dataDir: try Paths.temporaryDirectory("informer-index"))
        let c = try client(server)
        _ = try await c.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "other"]])
        func owned(_ name: String, by uid: String?, namespace: String = "default") -> JSONValue {
            var object = configMap(name, namespace: namespace)
            if let uid {
                object["metadata"]["ownerReferences"] = [
                    ["apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": .string(uid), "controller": true]
                ]
            }
            return object
        }
        _ = try await c.create(.configMaps, owned("a1", by: "uid-a"))
        _ = try await c.create(.configMaps, owned("orphan", by: nil))
        _ = try await c.create(.configMaps, owned("elsewhere", by: nil, namespace: "other"))
        let informer = Informer(client: c, type: .configMaps, logger: Logger(label: "test"))
        let running = Task { await informer.run() }
        defer {
            running.cancel()
            Task { await c.shutdown() }
        }
        #expect(await informer.waitForSync())
        func names(_ objects: [JSONValue]) -> [String] { objects.compactMap { $0["metadata"]["name"].stringValue }.sorted() }
        #expect(names(await informer.controlled(by: "uid-a")) == ["a1"])
        #expect(names(await informer.claimable(by: "uid-a", namespace: "default")) == ["a1", "orphan"])
        #expect(names(await informer.claimable(by: "uid-b", namespace: "other")) == ["elsewhere"])

        // Watch events move objects between controllers, out of the orphans, and away.
        _ = try await c.create(.configMaps, owned("a2", by: "uid-a"))
        _ = try await c.patch(
            .configMaps, namespace: "default", name: "orphan", ["metadata": owned("orphan", by: "uid-b")["metadata"]], as: .merge)
        try await c.delete(.configMaps, namespace: "default", name: "a1")
        try await eventually { names(await informer.controlled(by: "uid-a")) == ["a2"] }
        try await eventually { names(await informer.controlled(by: "uid-b")) == ["orphan"] }
        #expect(names(await informer.claimable(by: "uid-a", namespace: "default")) == ["a2"])
        #expect(names(await informer.claimable(by: "uid-c", namespace: "default")) == [])
    }

    @Test func aCompactCacheReadsBackWhatItHolds() async throws {
        let server = try MeridianProcess.apiserver(dataDir: try Paths.temporaryDirectory("informer-compact"))
        let c = try client(server)
        _ = try await c.create(.configMaps, configMap("first", labels: ["app": "a"], data: ["k": "v"]))
        let olds = EventLog()
        let informer = Informer(client: c, type: .configMaps, namespace: "default", compactCache: true, logger: Logger(label: "test"))
        informer.addHandler { event in
            if case .updated(let old, let new) = event, old != new {
                olds.append("\(old["data"]["k"].stringValue ?? "") → \(new["data"]["k"].stringValue ?? "")")
            }
        }
        let running = Task { await informer.run() }
        defer {
            running.cancel()
            Task { await c.shutdown() }
        }
        #expect(await informer.waitForSync())
        let stored = try await c.get(.configMaps, namespace: "default", name: "first")
        #expect(await informer.get(namespace: "default", name: "first") == stored)
        _ = try await c.patch(.configMaps, namespace: "default", name: "first", ["data": ["k": "w"]], as: .merge)
        _ = try await c.create(.configMaps, configMap("second", labels: ["app": "b"]))
        try await eventually { await informer.count == 2 }
        try await eventually { olds.entries == ["v → w"] }
        #expect(await informer.get(namespace: "default", name: "first")?["data"] == ["k": "w"])
        #expect(await informer.keys().map(\.description).sorted() == ["default/first", "default/second"])
        #expect(await informer.list(selector: try LabelSelector.parse("app=b")).map { $0["metadata"]["name"] } == ["second"])
    }

    @Test func discoveryFindsBuiltInsAndNewCustomResources() async throws {
        let server = try MeridianProcess.apiserver()
        let c = try client(server)
        defer { Task { await c.shutdown() } }
        let discovery = Discovery(client: c)
        #expect(try await discovery.resource(apiVersion: "apps/v1", kind: "Deployment") == .deployments)
        #expect(try await discovery.resource(named: "deploy") == .deployments)
        #expect(try await discovery.resource(named: "pods") == .pods)
        #expect(try await discovery.resource(apiVersion: "example.com/v1", kind: "Widget") == nil)
        let crd = """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"},
             "spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"widgets","singular":"widget","kind":"Widget"},
             "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}}}]}}
            """
        _ = try await c.create(.customResourceDefinitions, try JSONParser.parse(Array(crd.utf8)))
        // A miss refreshes the cache, so the new kind is found without waiting for expiry.
        try await eventually {
            (try? await discovery.resource(apiVersion: "example.com/v1", kind: "Widget"))
                == ResourceType(group: "example.com", version: "v1", resource: "widgets", kind: "Widget", namespaced: true)
        }
    }
}

extension KubeClientIntegrationTests {
    @Test func typedResourcesRoundTrip() async throws {
        let server = try MeridianProcess.apiserver()
        let c = try client(server)
        defer { Task { await c.shutdown() } }
        var secret = Secret(name: "creds", namespace: "default")
        secret.data = ["token": Data("s3cret".utf8)]
        secret.labels = ["app": "typed"]
        let created = try await c.create(secret)
        #expect(created.string("token") == "s3cret")
        #expect(created.type == "Opaque")
        #expect(try await c.get(Secret.self, namespace: "default", name: "creds").labels == ["app": "typed"])
        // The wire form is base64, as kubectl shows it.
        let raw = try server.kubectl(["get", "secret", "creds", "-o", "jsonpath={.data.token}"])
        #expect(raw.output == Data("s3cret".utf8).base64EncodedString())

        var lease = Lease(name: "leader", namespace: "default")
        lease.holderIdentity = "replica-a"
        lease.leaseDurationSeconds = 15
        let renewed = Date(timeIntervalSince1970: 1_800_000_000.25)
        lease.renewTime = renewed
        let stored = try await c.create(lease)
        #expect(stored.holderIdentity == "replica-a")
        #expect(stored.leaseDurationSeconds == 15)
        #expect(abs((stored.renewTime?.timeIntervalSince1970 ?? 0) - renewed.timeIntervalSince1970) < 0.001)
        #expect(try await c.list(Lease.self, namespace: "default").map(\.name) == ["leader"])
        #expect(try await c.getIfExists(Secret.self, namespace: "default", name: "absent") == nil)
    }
}

/// Strings appended from informer handlers (synchronous, any thread).
final class EventLog: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var entries: [String] { lines.withLock { $0 } }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(20), _ condition: () async -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !(await condition()) {
        guard ContinuousClock.now < deadline else { throw MeridianProcess.Failure("condition not met within \(timeout)") }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// A loopback port nothing listens on right now (`LoopbackPorts`: never handed out twice).
func freePort() throws -> Int { try LoopbackPorts.free() }
