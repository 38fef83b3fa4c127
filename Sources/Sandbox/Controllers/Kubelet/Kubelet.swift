import Foundation
import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle

/// The simulated kubelet of every sandbox node: a pod bound to a node becomes Running
/// after `podStartDelay` with a pod IP from the node's /24, container statuses and the
/// events a real kubelet writes; pods that are not `restartPolicy: Always` exit after
/// `jobDuration` (annotation `sandbox.meridian.dev/run-seconds` overrides it,
/// `sandbox.meridian.dev/exit-code` picks the exit code); a deleted pod is gone as soon
/// as its (simulated) containers stop.
struct Kubelet: Reconciler {
    static let runSecondsAnnotation = "sandbox.meridian.dev/run-seconds"
    static let exitCodeAnnotation = "sandbox.meridian.dev/exit-code"

    let context: SandboxContext
    let pods: Informer
    let events: EventRecorder
    let state = KubeletState()
    let runtime: ContainerRuntime
    /// The kubelet's own queue: process exits put their pod back on it.
    let queue: WorkQueue<ObjectKey>

    static func services(_ context: SandboxContext, runtime: ContainerRuntime) -> [any Service] {
        let queue = WorkQueue<ObjectKey>()
        let reconciler = Kubelet(
            context: context, pods: context.informers.informer(for: .pods), events: context.recorder("kubelet"), runtime: runtime,
            queue: queue)
        let controller = Controller(
            name: "kubelet", reconciler: reconciler, queue: queue, informers: [reconciler.pods], workers: 4, logger: context.logger)
        let configuration = context.configuration
        reconciler.pods.addHandler { event in
            let pod = event.object
            guard let node = pod["spec"]["nodeName"].stringValue, configuration.nodeIndex(node) != nil else { return }
            queue.add(ObjectKey(pod))
        }
        return [controller]
    }

    func reconcile(_ key: ObjectKey, logger: Logger) async throws -> ReconcileResult {
        guard let pod = await pods.get(namespace: key.namespace, name: key.name),
            let nodeName = pod["spec"]["nodeName"].stringValue, let nodeIndex = context.configuration.nodeIndex(nodeName)
        else {
            // A pod removed at once (grace period 0, or already finished) may still have processes.
            if let uid = await state.processUID(key) {
                if await runtime.stop(podUID: uid, grace: .zero) { return .requeue(after: .milliseconds(100)) }
                if let dataDirectory = context.configuration.dataDirectory {
                    PodFilesystem.remove(dataDirectory: dataDirectory, namespace: key.namespace, name: key.name, uid: uid)
                }
            }
            await state.forget(key)
            return .done
        }
        if isProcessPod(pod) { return try await reconcileProcessPod(pod, key: key, nodeIndex: nodeIndex) }
        if pod.isDeleting { return try await finishDeletion(pod, key: key) }
        let phase = pod["status"]["phase"].stringValue ?? "Pending"
        switch phase {
        case "Succeeded", "Failed":
            await state.forget(key)
            return .done
        case "Running":
            return try await checkExit(pod)
        default:
            let waited = await state.waitedSinceFirstSeen(key)
            let delay = context.configuration.podStartDelay
            if waited < delay { return .requeue(after: delay - waited) }
            return try await start(pod, key: key, nodeIndex: nodeIndex)
        }
    }

    private func start(_ pod: JSONValue, key: ObjectKey, nodeIndex: Int) async throws -> ReconcileResult {
        let used = Set(
            await pods.list().compactMap { p -> String? in
                guard p["spec"]["nodeName"].stringValue == pod["spec"]["nodeName"].stringValue,
                    !["Succeeded", "Failed"].contains(p["status"]["phase"].stringValue ?? "")
                else { return nil }
                return p["status"]["podIP"].stringValue
            })
        guard let ip = await state.allocateIP(for: key, prefix: "\(context.configuration.podNetworkPrefix).\(nodeIndex)", used: used)
        else {
            await events.record(pod, type: .warning, reason: "FailedCreatePodSandBox", message: "no free pod IP on the node")
            return .requeue(after: .seconds(5))
        }
        let now = Timestamp.now()
        let builder = PodStatusBuilder(pod: pod, hostIP: context.configuration.nodeIP(nodeIndex), podIP: ip, now: now)
        let readyDelay = Self.readinessDelay(pod)
        let status = builder.running(startedAt: now, ready: readyDelay == .zero)
        guard try await patchStatus(pod, status) else { return .done }
        for container in pod["spec"]["containers"].arrayValue ?? [] {
            let name = container["name"].stringValue ?? ""
            let image = container["image"].stringValue ?? ""
            await events.record(pod, reason: "Pulled", message: "Container image \"\(image)\" already present on machine")
            await events.record(pod, reason: "Created", message: "Created container: \(name)")
            await events.record(pod, reason: "Started", message: "Started container \(name)")
        }
        if readyDelay > .zero { return .requeue(after: readyDelay) }
        if let run = runDuration(pod) { return .requeue(after: run) }
        return .done
    }

    /// Readiness (after the readiness probe's initial delay) and exit of pods that run to completion.
    private func checkExit(_ pod: JSONValue) async throws -> ReconcileResult {
        let started = pod["status"]["startTime"].stringValue.flatMap(Timestamp.parse) ?? Date()
        let elapsed = Duration.seconds(Date().timeIntervalSince(started))
        let readyDelay = Self.readinessDelay(pod)
        if pod.condition("Ready")?["status"].stringValue != "True", let ip = pod["status"]["podIP"].stringValue {
            if elapsed < readyDelay { return .requeue(after: readyDelay - elapsed) }
            if runDuration(pod) == nil || elapsed < runDuration(pod)! {
                let builder = PodStatusBuilder(pod: pod, hostIP: pod["status"]["hostIP"].stringValue ?? "", podIP: ip, now: Timestamp.now())
                _ = try await patchStatus(
                    pod, builder.running(startedAt: pod["status"]["startTime"].stringValue ?? Timestamp.now(), ready: true))
            }
        }
        guard let run = runDuration(pod) else { return .done }
        if elapsed < run { return .requeue(after: run - elapsed) }
        let exitCode = Int64(pod.annotations[Self.exitCodeAnnotation] ?? "") ?? 0
        let builder = PodStatusBuilder(
            pod: pod, hostIP: pod["status"]["hostIP"].stringValue ?? "", podIP: pod["status"]["podIP"].stringValue ?? "",
            now: Timestamp.now())
        _ = try await patchStatus(
            pod, builder.terminated(startedAt: pod["status"]["startTime"].stringValue ?? Timestamp.now(), exitCode: exitCode))
        return .done
    }

    /// Containers stop at once, so the kubelet confirms the deletion (grace period 0).
    func finishDeletion(_ pod: JSONValue, key: ObjectKey) async throws -> ReconcileResult {
        if !pod.finalizers.isEmpty { return .done }
        for container in pod["spec"]["containers"].arrayValue ?? [] where pod["status"]["phase"].stringValue == "Running" {
            await events.record(pod, reason: "Killing", message: "Stopping container \(container["name"].stringValue ?? "")")
        }
        do {
            try await context.client.delete(
                .pods, namespace: pod.namespace, name: pod.name, options: DeleteOptions(gracePeriodSeconds: 0, preconditionUID: pod.uid))
        } catch {
            if !(error.isNotFound || error.isConflict) { throw error }
        }
        await state.forget(key)
        return .done
    }

    /// False when the pod is gone.
    private func patchStatus(_ pod: JSONValue, _ status: JSONValue) async throws -> Bool {
        do {
            _ = try await context.client.patch(
                .pods, namespace: pod.namespace, name: pod.name, ["status": status], as: .merge, subresource: "status")
            return true
        } catch {
            if error.isNotFound { return false }
            throw error
        }
    }

    /// How long the pod's containers run before exiting; nil for pods that run until deleted.
    func runDuration(_ pod: JSONValue) -> Duration? {
        if let seconds = pod.annotations[Self.runSecondsAnnotation].flatMap(Double.init) { return .milliseconds(Int(seconds * 1000)) }
        guard (pod["spec"]["restartPolicy"].stringValue ?? "Always") != "Always" else { return nil }
        return context.configuration.jobDuration
    }

    static func readinessDelay(_ pod: JSONValue) -> Duration {
        let delays = (pod["spec"]["containers"].arrayValue ?? []).compactMap { $0["readinessProbe"]["initialDelaySeconds"].intValue }
        return .seconds(delays.max() ?? 0)
    }
}

/// What the simulated kubelet remembers between passes: when it first saw each pod and
/// the pod IPs it handed out but may not see in the informer yet.
actor KubeletState {
    private var firstSeen: [ObjectKey: ContinuousClock.Instant] = [:]
    private var allocated: [ObjectKey: String] = [:]

    func waitedSinceFirstSeen(_ key: ObjectKey) -> Duration {
        let now = ContinuousClock.now
        if let seen = firstSeen[key] { return now - seen }
        firstSeen[key] = now
        return .zero
    }

    /// The lowest free address `prefix.2` … `prefix.254`; the same one again for the same pod.
    func allocateIP(for key: ObjectKey, prefix: String, used: Set<String>) -> String? {
        if let ip = allocated[key] { return ip }
        let taken = used.union(allocated.values)
        for host in 2...254 {
            let ip = "\(prefix).\(host)"
            if !taken.contains(ip) {
                allocated[key] = ip
                return ip
            }
        }
        return nil
    }

    private var processUIDs: [ObjectKey: String] = [:]

    func forget(_ key: ObjectKey) {
        firstSeen[key] = nil
        allocated[key] = nil
        processUIDs[key] = nil
    }

    /// Process pods started, so their processes can be stopped even if the pod vanishes.
    func startedProcesses(_ key: ObjectKey, uid: String) { processUIDs[key] = uid }
    func processUID(_ key: ObjectKey) -> String? { processUIDs[key] }
}
