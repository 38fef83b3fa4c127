import Foundation
import KubeAPI
import Testing

/// The official Kubernetes Python client against `meridian apiserver`.
@Suite struct PythonClientTests {
    @Test func everydayOperations() throws {
        let server = try MeridianProcess.apiserver()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/python_client.py")
        let r = try run("/usr/bin/env", ["python3", script.path, server.kubeconfig.path, "py-client"])
        #expect(r.status == 0, "python client failed: \(r.error)")
        let out = try JSONParser.parse(r.output)
        #expect(out["even"] == ["cm-0", "cm-2", "cm-4"])
        #expect(out["pages"] == [["cm-0", "cm-1"], ["cm-2", "cm-3"], ["cm-4"]])
        #expect(out["remaining"] == 3)
        #expect(out["lastContinue"].isNull)
        #expect(out["watch"] == [["MODIFIED", "cm-0"], ["DELETED", "cm-1"]])
        #expect(out["containers"] == ["nginx", "side"])
        #expect(out["scale"] == ["Scale", 4])
        #expect(out["replicas"] == 4)
        #expect(out["strategy"] == "RollingUpdate")
        let errors = out["errors"]
        #expect(errors["notFound"] == [404, "NotFound", "configmaps \"nope\" not found"])
        #expect(errors["exists"] == [409, "AlreadyExists", "configmaps \"cm-0\" already exists"])
        #expect(errors["invalid"][0] == 422 && errors["invalid"][1] == "Invalid")
        #expect(
            errors["conflict"] == [
                409, "Conflict",
                "Operation cannot be fulfilled on configmaps \"cm-2\": the object has been modified; please apply your changes to the latest version and try again",
            ])
        #expect(out["deleteStatus"] == "Success")
        #expect(out["left"] == ["cm-0", "cm-3", "cm-4"])
    }
}
