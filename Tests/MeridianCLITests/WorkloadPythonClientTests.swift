import Foundation
import KubeAPI
import Testing

/// The official Kubernetes Python client reading what the sandbox's workload controllers
/// write: its typed models reject status fields of the wrong shape.
@Suite struct WorkloadPythonClientTests {
    @Test func typedModelsReadWorkloadStatus() throws {
        let sandbox = try MeridianProcess.sandbox(name: "py-workloads", extra: ["--job-duration-seconds", "0.2"])
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/python_workloads.py")
        let r = try run("/usr/bin/env", ["python3", script.path, sandbox.kubeconfig.path])
        #expect(r.status == 0, "python client failed: \(r.error)")
        let out = try JSONParser.parse(r.output)
        #expect(out["job"]["succeeded"] == 2)
        #expect(out["job"]["conditions"] == ["Complete", "SuccessCriteriaMet"])
        #expect(out["job"]["started"] == true && out["job"]["completed"] == true && out["job"]["ready"] == 0)
        #expect(out["sts"]["replicas"] == 2 && out["sts"]["ready"] == 2 && out["sts"]["updated"] == 2)
        #expect(out["sts"]["sameRevision"] == true && out["sts"]["collisionCount"] == 0 && out["sts"]["observed"] == true)
        #expect(out["ds"]["desired"] == 3 && out["ds"]["current"] == 3 && out["ds"]["ready"] == 3 && out["ds"]["updated"] == 3)
        #expect(out["ds"]["misscheduled"] == 0)
        #expect(out["cron"]["schedule"] == "@hourly" && out["cron"]["active"].isNull)
        #expect(out["revisions"] == [1, 1])
        #expect(out["stsPods"] == ["py-sts-0", "py-sts-1"])
    }
}
