import KubeAPI
import Testing

@testable import APIServer

func json(_ s: String) -> JSONValue { try! JSONParser.parse(s) }

@Suite struct JSONPatchTests {
    // RFC 6902 appendix A examples.
    @Test(arguments: [
        (#"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux"}]"#, #"{"baz":"qux","foo":"bar"}"#),
        (#"{"foo":["bar","baz"]}"#, #"[{"op":"add","path":"/foo/1","value":"qux"}]"#, #"{"foo":["bar","qux","baz"]}"#),
        (#"{"baz":"qux","foo":"bar"}"#, #"[{"op":"remove","path":"/baz"}]"#, #"{"foo":"bar"}"#),
        (#"{"foo":["bar","qux","baz"]}"#, #"[{"op":"remove","path":"/foo/1"}]"#, #"{"foo":["bar","baz"]}"#),
        (#"{"baz":"qux","foo":"bar"}"#, #"[{"op":"replace","path":"/baz","value":"boo"}]"#, #"{"baz":"boo","foo":"bar"}"#),
        (
            #"{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}"#, #"[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]"#,
            #"{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}"#
        ),
        (
            #"{"foo":["all","grass","cows","eat"]}"#, #"[{"op":"move","from":"/foo/1","path":"/foo/3"}]"#,
            #"{"foo":["all","cows","eat","grass"]}"#
        ),
        (
            #"{"baz":"qux","foo":["a",2,"c"]}"#, #"[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]"#,
            #"{"baz":"qux","foo":["a",2,"c"]}"#
        ),
        (#"{"foo":["bar"]}"#, #"[{"op":"add","path":"/foo/-","value":["abc","def"]}]"#, #"{"foo":["bar",["abc","def"]]}"#),
        (
            #"{"/":9,"~1":10}"#, #"[{"op":"test","path":"/~01","value":10},{"op":"copy","from":"/~1","path":"/c"}]"#,
            #"{"/":9,"c":9,"~1":10}"#
        ),
    ])
    func rfcExamples(doc: String, patch: String, expected: String) throws {
        #expect(try JSONPatch.apply(json(patch), to: json(doc)) == json(expected))
    }

    @Test func failuresChangeNothing() {
        let doc = json(#"{"baz":"qux"}"#)
        #expect(throws: PatchError.testFailed(path: "/baz")) {
            try JSONPatch.apply(json(#"[{"op":"test","path":"/baz","value":"bar"}]"#), to: doc)
        }
        #expect(throws: PatchError.pathNotFound("baz")) {
            try JSONPatch.apply(json(#"[{"op":"add","path":"/baz/bat","value":"qux"}]"#), to: json("{}"))
        }
        #expect(throws: PatchError.pathNotFound("nothere")) { try JSONPatch.apply(json(#"[{"op":"remove","path":"/nothere"}]"#), to: doc) }
        #expect(throws: PatchError.invalidOperation("frobnicate")) {
            try JSONPatch.apply(json(#"[{"op":"frobnicate","path":"/a"}]"#), to: doc)
        }
    }
}

@Suite struct MergePatchTests {
    // RFC 7386 section 3 examples.
    @Test(arguments: [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"a":1,"e":null}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ])
    func rfcExamples(target: String, patch: String, expected: String) {
        #expect(MergePatch.apply(json(patch), to: json(target)) == json(expected))
    }
}

@Suite struct StrategicMergePatchTests {
    let smp = StrategicMergePatch(index: .kubernetes)
    var deploymentSchema: JSONValue { SchemaIndex.kubernetes.schema(named: "io.k8s.api.apps.v1.Deployment")! }
    let deployment = json(
        #"""
        {"spec":{"template":{"spec":{"containers":[
          {"name":"nginx","image":"nginx:1.25","env":[{"name":"A","value":"1"}],"ports":[{"containerPort":80}]},
          {"name":"side","image":"busybox"}]}}},
         "metadata":{"finalizers":["a"],"labels":{"x":"1"}}}
        """#)

    @Test func containersMergeByName() throws {
        let patched = try smp.apply(
            json(
                #"{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.26","env":[{"name":"B","value":"2"}]}]}}}}"#),
            to: deployment, schema: deploymentSchema)
        let containers = patched["spec"]["template"]["spec"]["containers"]
        #expect(containers[0]["image"] == "nginx:1.26")
        #expect(containers[0]["env"] == json(#"[{"name":"A","value":"1"},{"name":"B","value":"2"}]"#))
        #expect(containers[0]["ports"] == json(#"[{"containerPort":80}]"#))
        #expect(containers[1] == json(#"{"name":"side","image":"busybox"}"#))
    }

    @Test func deleteDirectiveAndReplace() throws {
        let deleted = try smp.apply(
            json(#"{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}"#), to: deployment,
            schema: deploymentSchema)
        #expect(deleted["spec"]["template"]["spec"]["containers"].arrayValue?.count == 1)
        let replaced = try smp.apply(
            json(#"{"metadata":{"labels":{"$patch":"replace","y":"2"}}}"#), to: deployment, schema: deploymentSchema)
        #expect(replaced["metadata"]["labels"] == json(#"{"y":"2"}"#))
        let listReplaced = try smp.apply(
            json(#"{"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"only","image":"x"}]}}}}"#), to: deployment,
            schema: deploymentSchema)
        #expect(listReplaced["spec"]["template"]["spec"]["containers"] == json(#"[{"name":"only","image":"x"}]"#))
    }

    @Test func primitiveListsAndDirectives() throws {
        let merged = try smp.apply(json(#"{"metadata":{"finalizers":["b","a"]}}"#), to: deployment, schema: deploymentSchema)
        #expect(merged["metadata"]["finalizers"] == json(#"["a","b"]"#))
        let removed = try smp.apply(
            json(#"{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}"#), to: merged, schema: deploymentSchema)
        #expect(removed["metadata"]["finalizers"] == json(#"["b"]"#))
        let ordered = try smp.apply(
            json(#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"side"},{"name":"nginx"}]}}}}"#), to: deployment,
            schema: deploymentSchema)
        #expect(ordered["spec"]["template"]["spec"]["containers"][0]["name"] == "side")
        #expect(ordered["spec"]["template"]["spec"]["containers"].arrayValue?.count == 2)
    }

    @Test func nullDeletesAndUnknownListsReplace() throws {
        let patched = try smp.apply(
            json(
                #"{"metadata":{"labels":{"x":null}},"spec":{"template":{"spec":{"containers":[{"name":"nginx","ports":[{"containerPort":8080}]}]}}}}"#
            ), to: deployment, schema: deploymentSchema)
        #expect(patched["metadata"]["labels"] == json("{}"))
        // Container ports merge on containerPort.
        #expect(patched["spec"]["template"]["spec"]["containers"][0]["ports"].arrayValue?.count == 2)
    }
}
