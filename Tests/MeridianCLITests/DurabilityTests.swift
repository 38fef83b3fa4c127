import ChildProcesses
import Foundation
import KubeAPI
import Testing

/// `kill -9` under concurrent writes: after a restart every acknowledged write is there
/// and the revision continues past the last acknowledged one.
@Suite struct DurabilityTests {
    @Test func acknowledgedWritesSurviveKill9() throws {
        let dir = try Paths.temporaryDirectory("durability")
        var server: MeridianProcess? = try MeridianProcess.apiserver(dataDir: dir)
        #expect(try server!.kubectl(["create", "namespace", "load"]).status == 0)

        let acks = dir.deletingLastPathComponent().appendingPathComponent("\(dir.lastPathComponent).acks")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/write_load.py")
        let writer = try SpawnedProcess(
            executable: "/usr/bin/env", arguments: ["python3", script.path, server!.kubeconfig.path, "load", "8"],
            standardOutput: .file(acks.path), standardError: .null)

        func acknowledged() -> [(String, Int)] {
            let text = (try? String(contentsOf: acks, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                let parts = line.split(separator: " ")
                guard parts.count == 2, let rv = Int(parts[1]) else { return nil }
                return (String(parts[0]), rv)
            }
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while acknowledged().count < 300 && ContinuousClock.now < deadline && writer.isRunning { usleep(20_000) }
        server!.kill(signal: SIGKILL)
        writer.waitUntilExit()
        let acked = acknowledged()
        #expect(acked.count >= 300, "only \(acked.count) writes acknowledged before the kill")

        server = try MeridianProcess.apiserver(dataDir: dir)
        let list = try JSONParser.parse(try server!.kubectl(["get", "--raw", "/api/v1/namespaces/load/configmaps"]).output)
        let stored = Dictionary(
            uniqueKeysWithValues: (list["items"].arrayValue ?? []).map {
                ($0["metadata"]["name"].stringValue ?? "", Int($0["metadata"]["resourceVersion"].stringValue ?? "") ?? 0)
            })
        let missing = acked.filter { stored[$0.0] != $0.1 }
        #expect(missing.isEmpty, "\(missing.count) acknowledged writes lost or changed, e.g. \(missing.prefix(5))")
        let maxAcked = acked.map(\.1).max() ?? 0
        #expect(try server!.kubectl(["-n", "load", "create", "configmap", "after-restart"]).status == 0)
        let next =
            Int(try server!.kubectl(["-n", "load", "get", "cm", "after-restart", "-o", "jsonpath={.metadata.resourceVersion}"]).output) ?? 0
        #expect(next > maxAcked)
    }
}
