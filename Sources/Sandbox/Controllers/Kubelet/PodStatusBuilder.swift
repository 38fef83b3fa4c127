import Foundation
import KubeAPI

/// The status a kubelet reports for a pod whose containers are running, or have exited.
struct PodStatusBuilder {
    let pod: JSONValue
    let hostIP: String
    let podIP: String
    let now: String

    /// A stable fake container ID per pod container.
    func containerID(_ name: String, restarts: Int64) -> String {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in "\(pod.uid)/\(name)/\(restarts)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 1_099_511_628_211
        }
        return "meridian://" + String(hash, radix: 16).padding(toLength: 16, withPad: "0", startingAt: 0)
    }

    static func imageID(_ image: String) -> String {
        var hash: UInt64 = 1_469_598_103_934_665_603
        for byte in image.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 1_099_511_628_211
        }
        let hex = String(hash, radix: 16)
        let repo = image.split(separator: ":").first.map(String.init) ?? image
        return "\(repo)@sha256:" + String(repeating: hex, count: 4)
    }

    /// `Running` with every container started (and ready when `ready`).
    func running(startedAt: String, ready: Bool, restarts: Int64 = 0) -> JSONValue {
        var status = base(phase: "Running", startedAt: startedAt)
        status["conditions"] = .array(conditions(initialized: true, ready: ready))
        status["containerStatuses"] = .array(
            containers.map { c in
                containerStatus(c, state: ["running": ["startedAt": .string(startedAt)]], ready: ready, started: true, restarts: restarts)
            })
        if !initContainers.isEmpty { status["initContainerStatuses"] = .array(initContainers.map { completedInit($0, startedAt) }) }
        return status
    }

    /// `Succeeded` (exit 0) or `Failed` with every container terminated.
    func terminated(startedAt: String, exitCode: Int64) -> JSONValue {
        let succeeded = exitCode == 0
        var status = base(phase: succeeded ? "Succeeded" : "Failed", startedAt: startedAt)
        var list = conditions(initialized: true, ready: false)
        for i in list.indices where ["Ready", "ContainersReady"].contains(list[i]["type"].stringValue ?? "") {
            list[i]["reason"] = "PodCompleted"
        }
        status["conditions"] = .array(list)
        let state: JSONValue = [
            "terminated": [
                "exitCode": .int(exitCode), "reason": .string(succeeded ? "Completed" : "Error"), "startedAt": .string(startedAt),
                "finishedAt": .string(now), "containerID": .string(containerID("main", restarts: 0)),
            ]
        ]
        status["containerStatuses"] = .array(
            containers.map { containerStatus($0, state: state, ready: false, started: false, restarts: 0) })
        return status
    }

    private var containers: [JSONValue] { pod["spec"]["containers"].arrayValue ?? [] }
    private var initContainers: [JSONValue] { pod["spec"]["initContainers"].arrayValue ?? [] }

    private func base(phase: String, startedAt: String) -> JSONValue {
        var status: JSONValue = [
            "phase": .string(phase), "hostIP": .string(hostIP), "hostIPs": [["ip": .string(hostIP)]], "podIP": .string(podIP),
            "podIPs": [["ip": .string(podIP)]], "startTime": .string(startedAt),
        ]
        if let qos = pod["status"]["qosClass"].stringValue { status["qosClass"] = .string(qos) }
        return status
    }

    private func conditions(initialized: Bool, ready: Bool) -> [JSONValue] {
        let previous = pod["status"]["conditions"].arrayValue ?? []
        var list = previous
        for (type, status) in [
            ("PodReadyToStartContainers", true), ("Initialized", initialized), ("Ready", ready), ("ContainersReady", ready),
            ("PodScheduled", true),
        ] {
            list = Conditions.set(list, type: type, status: status, reason: "", message: "", now: now, extra: ["lastProbeTime": .null])
            if let i = list.firstIndex(where: { $0["type"].stringValue == type }) {
                // The kubelet leaves reason and message out of healthy conditions.
                if status {
                    list[i]["reason"] = nil
                    list[i]["message"] = nil
                } else {
                    list[i]["reason"] = "ContainersNotReady"
                    list[i]["message"] = .string(
                        "containers with unready status: [\(containers.compactMap { $0["name"].stringValue }.joined(separator: " "))]")
                }
            }
        }
        return list
    }

    private func containerStatus(_ c: JSONValue, state: JSONValue, ready: Bool, started: Bool, restarts: Int64) -> JSONValue {
        let name = c["name"].stringValue ?? ""
        let image = c["image"].stringValue ?? ""
        return [
            "name": .string(name), "image": .string(image), "imageID": .string(Self.imageID(image)),
            "containerID": .string(containerID(name, restarts: restarts)), "ready": .bool(ready), "started": .bool(started),
            "restartCount": .int(restarts), "state": state, "lastState": .emptyObject,
        ]
    }

    private func completedInit(_ c: JSONValue, _ startedAt: String) -> JSONValue {
        let state: JSONValue = [
            "terminated": ["exitCode": 0, "reason": "Completed", "startedAt": .string(startedAt), "finishedAt": .string(startedAt)]
        ]
        return containerStatus(c, state: state, ready: true, started: false, restarts: 0)
    }
}
