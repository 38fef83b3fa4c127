import Foundation
import KubeAPI
import KubeClient
import Logging
import Reconcile

/// Pods running Meridian's own image: their containers are real processes. Everything
/// else about them (scheduling, status shape, events) is as for simulated pods.
extension Kubelet {
    func isProcessPod(_ pod: JSONValue) -> Bool {
        (pod["spec"]["containers"].arrayValue ?? []).contains { context.configuration.runsAsProcess(image: $0["image"].stringValue ?? "") }
    }

    func reconcileProcessPod(_ pod: JSONValue, key: ObjectKey, nodeIndex: Int) async throws -> ReconcileResult {
        guard let dataDirectory = context.configuration.dataDirectory else { return .done }
        if pod.isDeleting {
            let grace = Duration.seconds(pod["metadata"]["deletionGracePeriodSeconds"].intValue ?? 30)
            if await runtime.stop(podUID: pod.uid, grace: grace) { return .requeue(after: .milliseconds(200)) }
            PodFilesystem(dataDirectory: dataDirectory, pod: pod).remove()
            return try await finishDeletion(pod, key: key)
        }
        let phase = pod["status"]["phase"].stringValue ?? "Pending"
        if phase == "Succeeded" || phase == "Failed" { return .done }
        if phase == "Pending" {
            let waited = await state.waitedSinceFirstSeen(key)
            let delay = context.configuration.podStartDelay
            if waited < delay { return .requeue(after: delay - waited) }
        }
        let podIP: String
        if let ip = pod["status"]["podIP"].stringValue, !ip.isEmpty {
            podIP = ip
        } else {
            let used = Set(await pods.list().compactMap { $0["status"]["podIP"].stringValue })
            guard let ip = await state.allocateIP(for: key, prefix: context.configuration.processPodPrefix, used: used) else {
                await events.record(pod, type: .warning, reason: "FailedCreatePodSandBox", message: "no free pod IP")
                return .requeue(after: .seconds(5))
            }
            podIP = ip
        }
        let hostIP = context.configuration.nodeIP(nodeIndex)
        var statuses: [JSONValue] = []
        var allReady = true
        var nextLook: Duration = .seconds(10)
        var terminalCodes: [Int32] = []
        for container in pod["spec"]["containers"].arrayValue ?? [] {
            let name = container["name"].stringValue ?? ""
            guard context.configuration.runsAsProcess(image: container["image"].stringValue ?? "") else {
                statuses.append(simulatedStatus(container, startedAt: pod["status"]["startTime"].stringValue ?? Timestamp.now()))
                continue
            }
            let id = ContainerRuntime.ContainerID(podUID: pod.uid, container: name)
            var current = await runtime.state(of: id)
            if case .exited(let code, _, let finishedAt, let restarts) = current {
                let policy = pod["spec"]["restartPolicy"].stringValue ?? "Always"
                if policy == "Always" || (policy == "OnFailure" && code != 0) {
                    let backoff = min(Duration.seconds(1) * (1 << min(Int(restarts), 5)), .seconds(30))
                    let since = Timestamp.parse(finishedAt).map { Duration.seconds(Date().timeIntervalSince($0)) } ?? backoff
                    if since < backoff {
                        statuses.append(
                            waitingStatus(container, reason: "CrashLoopBackOff", code: code, restarts: restarts, finishedAt: finishedAt))
                        allReady = false
                        nextLook = min(nextLook, backoff - since)
                        continue
                    }
                    current = nil  // restart now
                } else {
                    terminalCodes.append(code)
                    statuses.append(terminatedStatus(container, code: code, current: current!))
                    allReady = false
                    continue
                }
            }
            if current == nil {
                do {
                    try await launch(container, pod: pod, podIP: podIP, hostIP: hostIP, dataDirectory: dataDirectory, key: key)
                } catch {
                    await events.record(pod, type: .warning, reason: "Failed", message: "Error: \(error)")
                    statuses.append(waitingStatus(container, reason: "CreateContainerError", code: nil, restarts: 0, finishedAt: nil))
                    allReady = false
                    nextLook = .seconds(2)
                    continue
                }
                await events.record(pod, reason: "Started", message: "Started container \(name)")
                current = await runtime.state(of: id)
            }
            guard case .running(let startedAt, let restarts) = current else { continue }
            var ready = true
            if let target = ReadinessProbe.target(container) {
                ready = ReadinessProbe.check(host: podIP, target: target)
                let period = Duration.seconds(container["readinessProbe"]["periodSeconds"].intValue ?? 10)
                nextLook = min(nextLook, ready ? period : .milliseconds(500))
            }
            allReady = allReady && ready
            statuses.append(runningStatus(container, startedAt: startedAt, restarts: restarts, ready: ready, pod: pod))
        }
        let processCount = (pod["spec"]["containers"].arrayValue ?? []).filter {
            context.configuration.runsAsProcess(image: $0["image"].stringValue ?? "")
        }.count
        let finished = !terminalCodes.isEmpty && terminalCodes.count == processCount
        let phase2 = finished ? (terminalCodes.allSatisfy { $0 == 0 } ? "Succeeded" : "Failed") : "Running"
        try await writeProcessStatus(pod, phase: phase2, podIP: podIP, hostIP: hostIP, statuses: statuses, ready: allReady && !finished)
        return finished ? .done : .requeue(after: nextLook)
    }

    private func launch(_ container: JSONValue, pod: JSONValue, podIP: String, hostIP: String, dataDirectory: String, key: ObjectKey)
        async throws
    {
        let filesystem = PodFilesystem(dataDirectory: dataDirectory, pod: pod)
        let mounts = try await filesystem.prepare(container: container, client: context.client)
        let declared = try await ContainerEnvironment(pod: pod, podIP: podIP, hostIP: hostIP).resolve(container, client: context.client)
        var environment: [String: String] = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": filesystem.podDirectory,
            "HOSTNAME": pod.name, "KUBERNETES_SERVICE_HOST": context.configuration.apiServerHost,
            "KUBERNETES_SERVICE_PORT": String(context.configuration.apiServerPort),
        ]
        for (name, value) in declared { environment[name] = PodFilesystem.translate(value, mounts: mounts) }
        func lookup(_ name: String) -> String? { declared.last { $0.0 == name }?.1 }
        var words = ((container["command"].arrayValue ?? []) + (container["args"].arrayValue ?? [])).compactMap(\.stringValue)
        words = words.map { PodFilesystem.translate(ContainerEnvironment.expand($0, lookup), mounts: mounts) }
        // The image's entrypoint is `meridian`: an explicit `meridian` command is the binary itself.
        if let first = words.first, (first as NSString).lastPathComponent == "meridian" { words.removeFirst() }
        let workingDirectory =
            container["workingDir"].stringValue.map { PodFilesystem.translate($0, mounts: mounts) } ?? filesystem.podDirectory
        try? FileManager.default.createDirectory(atPath: workingDirectory, withIntermediateDirectories: true)
        let queue = self.queue
        await state.startedProcesses(key, uid: pod.uid)
        _ = try await runtime.start(
            .init(podUID: pod.uid, container: container["name"].stringValue ?? ""), executable: context.configuration.executablePath,
            arguments: words, environment: environment, workingDirectory: workingDirectory,
            logPath: filesystem.logPath(container["name"].stringValue ?? ""), onExit: { queue.add(key) })
    }

    private func writeProcessStatus(_ pod: JSONValue, phase: String, podIP: String, hostIP: String, statuses: [JSONValue], ready: Bool)
        async throws
    {
        let now = Timestamp.now()
        var status = pod["status"]
        status["phase"] = .string(phase)
        status["podIP"] = .string(podIP)
        status["podIPs"] = [["ip": .string(podIP)]]
        status["hostIP"] = .string(hostIP)
        status["hostIPs"] = [["ip": .string(hostIP)]]
        if status["startTime"].isNull { status["startTime"] = .string(now) }
        status["containerStatuses"] = .array(statuses)
        var conditions = status["conditions"].arrayValue ?? []
        for (type, value) in [("PodReadyToStartContainers", true), ("Initialized", true), ("Ready", ready), ("ContainersReady", ready)] {
            conditions = Conditions.set(
                conditions, type: type, status: value, reason: value ? "" : "ContainersNotReady", message: "", now: now)
        }
        for i in conditions.indices where conditions[i]["reason"].stringValue == "" {
            conditions[i]["reason"] = nil
            conditions[i]["message"] = nil
        }
        status["conditions"] = .array(conditions)
        guard status != pod["status"] else { return }
        do {
            _ = try await context.client.patch(
                .pods, namespace: pod.namespace, name: pod.name, ["status": status], as: .merge, subresource: "status")
        } catch {
            if !error.isNotFound { throw error }
        }
    }

    private func containerBase(_ c: JSONValue, restarts: Int64) -> JSONValue {
        let image = c["image"].stringValue ?? ""
        return [
            "name": c["name"], "image": .string(image), "imageID": .string(PodStatusBuilder.imageID(image)), "restartCount": .int(restarts),
        ]
    }

    private func runningStatus(_ c: JSONValue, startedAt: String, restarts: Int64, ready: Bool, pod: JSONValue) -> JSONValue {
        var s = containerBase(c, restarts: restarts)
        s["state"] = ["running": ["startedAt": .string(startedAt)]]
        s["ready"] = .bool(ready)
        s["started"] = true
        s["containerID"] = .string("meridian://\(pod.uid.prefix(8))-\(c["name"].stringValue ?? "")-\(restarts)")
        let previous = (pod["status"]["containerStatuses"].arrayValue ?? []).first { $0["name"] == c["name"] }
        s["lastState"] = restarts > 0 ? (previous?["lastState"] ?? .emptyObject) : .emptyObject
        return s
    }

    private func waitingStatus(_ c: JSONValue, reason: String, code: Int32?, restarts: Int64, finishedAt: String?) -> JSONValue {
        var s = containerBase(c, restarts: restarts)
        s["state"] = ["waiting": ["reason": .string(reason)]]
        s["ready"] = false
        s["started"] = false
        if let code, let finishedAt {
            s["lastState"] = [
                "terminated": [
                    "exitCode": .int(Int64(code)), "reason": .string(code == 0 ? "Completed" : "Error"), "finishedAt": .string(finishedAt),
                ]
            ]
        } else {
            s["lastState"] = .emptyObject
        }
        return s
    }

    private func terminatedStatus(_ c: JSONValue, code: Int32, current: ContainerRuntime.State) -> JSONValue {
        guard case .exited(_, let startedAt, let finishedAt, let restarts) = current else { return .null }
        var s = containerBase(c, restarts: restarts)
        s["state"] = [
            "terminated": [
                "exitCode": .int(Int64(code)), "reason": .string(code == 0 ? "Completed" : "Error"), "startedAt": .string(startedAt),
                "finishedAt": .string(finishedAt),
            ]
        ]
        s["ready"] = false
        s["started"] = false
        s["lastState"] = .emptyObject
        return s
    }

    private func simulatedStatus(_ c: JSONValue, startedAt: String) -> JSONValue {
        var s = containerBase(c, restarts: 0)
        s["state"] = ["running": ["startedAt": .string(startedAt)]]
        s["ready"] = true
        s["started"] = true
        s["lastState"] = .emptyObject
        return s
    }
}
