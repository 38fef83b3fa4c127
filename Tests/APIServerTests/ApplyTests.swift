import KubeAPI
import Testing

@testable import APIServer

@Suite struct ServerSideApplyTests {
    let ssa = ServerSideApply(paths: FieldPaths(index: .kubernetes))
    let def = CoreKinds.configMaps
    var schema: JSONValue { SchemaIndex.kubernetes.schema(named: "io.k8s.api.core.v1.ConfigMap")! }

    func cm(_ data: JSONValue) -> JSONValue { ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c"], "data": data] }

    @Test func applyOwnsAndRemovesFields() throws {
        let first = try ssa.apply(applied: cm(["a": "1", "b": "2"]), live: nil, manager: "alice", force: false, schema: schema, def: def)
        let entries = ManagedFields.entries(first)
        #expect(entries.count == 1 && entries[0].manager == "alice" && entries[0].operation == "Apply")
        #expect(entries[0].fields.owns(["f:data", "f:a"]) && entries[0].fields.owns(["f:data", "f:b"]))
        let second = try ssa.apply(applied: cm(["a": "1"]), live: first, manager: "alice", force: false, schema: schema, def: def)
        #expect(second["data"] == ["a": "1"])
    }

    @Test func conflictsNameTheOwnerAndPath() throws {
        let live = try ssa.apply(applied: cm(["key": "a"]), live: nil, manager: "alice", force: false, schema: schema, def: def)
        #expect(throws: StatusError.self) {
            try ssa.apply(applied: cm(["key": "b"]), live: live, manager: "bob", force: false, schema: schema, def: def)
        }
        do {
            _ = try ssa.apply(applied: cm(["key": "b"]), live: live, manager: "bob", force: false, schema: schema, def: def)
        } catch {
            #expect(error.code == 409)
            #expect(error.message == "Apply failed with 1 conflict: conflict with \"alice\": .data.key")
        }
        let shared = try ssa.apply(applied: cm(["key": "a"]), live: live, manager: "bob", force: false, schema: schema, def: def)
        #expect(ManagedFields.entries(shared).filter { $0.fields.owns(["f:data", "f:key"]) }.map(\.manager).sorted() == ["alice", "bob"])
        let forced = try ssa.apply(applied: cm(["key": "b"]), live: live, manager: "bob", force: true, schema: schema, def: def)
        #expect(forced["data"]["key"] == "b")
        #expect(ManagedFields.entries(forced).filter { $0.fields.owns(["f:data", "f:key"]) }.map(\.manager) == ["bob"])
    }

    @Test func associativeListsUseKeysInPaths() {
        let paths = FieldPaths(index: .kubernetes)
        let podSpec = SchemaIndex.kubernetes.schema(named: "io.k8s.api.core.v1.PodSpec")!
        let set = paths.fieldSet(["containers": [["name": "web", "image": "nginx"]]], schema: podSpec)
        #expect(set.owns(["f:containers", #"k:{"name":"web"}"#, "f:image"]))
        #expect(FieldSet.describe(["f:spec", "f:containers", #"k:{"name":"web"}"#, "f:image"]) == #".spec.containers[name="web"].image"#)
    }

    @Test func updatesTrackChangedFields() {
        let tracker = ManagedFields(paths: FieldPaths(index: .kubernetes))
        var created = cm(["a": "1"])
        tracker.recordUpdate(old: nil, new: &created, manager: "kubectl-create", schema: schema, subresource: nil)
        var patched = created
        patched["data"]["b"] = "2"
        tracker.recordUpdate(old: created, new: &patched, manager: "kubectl-patch", schema: schema, subresource: nil)
        let entries = ManagedFields.entries(patched)
        #expect(entries.map(\.manager) == ["kubectl-create", "kubectl-patch"])
        #expect(entries[1].fields.owns(["f:data", "f:b"]) && !entries[1].fields.owns(["f:data", "f:a"]))
        #expect(entries[0].fields.owns(["f:data", "f:a"]))
    }
}

@Suite struct RequestRoutingTests {
    @Test(arguments: [
        ("/api/v1/namespaces/ns/configmaps/c", "", "v1", "ns", "configmaps", "c", nil as String?),
        ("/apis/apps/v1/namespaces/ns/deployments/d/scale", "apps", "v1", "ns", "deployments", "d", "scale"),
        ("/api/v1/namespaces/ns", "", "v1", nil, "namespaces", "ns", nil),
        ("/api/v1/namespaces/ns/status", "", "v1", nil, "namespaces", "ns", "status"),
        ("/apis/apps/v1/deployments", "apps", "v1", nil, "deployments", nil, nil),
    ])
    func parses(path: String, group: String, version: String, namespace: String?, resource: String, name: String?, sub: String?) throws {
        let info = try #require(RequestInfo.parse(path))
        #expect(info.target == .resource)
        #expect([info.group, info.version, info.resource] == [group, version, resource])
        #expect(info.namespace == namespace && info.name == name && info.subresource == sub)
    }

    @Test func discoveryTargets() {
        #expect(RequestInfo.parse("/api")?.target == .apiVersions)
        #expect(RequestInfo.parse("/apis")?.target == .groupList)
        #expect(RequestInfo.parse("/apis/apps")?.target == .group("apps"))
        #expect(RequestInfo.parse("/apis/apps/v1")?.target == .resourceList(group: "apps", version: "v1"))
        #expect(RequestInfo.parse("/api/v1/watch/namespaces/x/pods")?.legacyWatch == true)
    }

    @Test func continueTokensRoundTrip() throws {
        let token = ContinueToken(revision: 42, start: "ns/name")
        #expect(try ContinueToken.decode(token.encoded()) == token)
        #expect(throws: StatusError.self) { try ContinueToken.decode("not-base64!") }
    }

    @Test func acceptHeaders() {
        #expect(
            AcceptedRepresentation.parse("application/json;as=Table;v=v1;g=meta.k8s.io,application/json")?.kind == .table(version: "v1"))
        #expect(AcceptedRepresentation.parse("application/vnd.kubernetes.protobuf,application/json")?.kind == .json)
        #expect(AcceptedRepresentation.parse("application/vnd.kubernetes.protobuf") == nil)
        #expect(AcceptedRepresentation.parse(nil)?.kind == .json)
    }

    @Test func versionOrdering() {
        #expect(
            ["v1beta1", "v2", "v1alpha1", "v1", "v2beta2"].sorted(by: ResourceCatalog.versionPriority) == [
                "v2", "v1", "v2beta2", "v1beta1", "v1alpha1",
            ])
    }
}
