import Foundation
import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle

/// StatefulSets: pods `<set>-<ordinal>` with stable names, hostnames and claims
/// `<template>-<set>-<ordinal>`; OrderedReady creates them in order (the next only once
/// the previous is Running and Ready) and removes them from the highest ordinal down,
/// Parallel does both at once. Templates are kept as ControllerRevisions; RollingUpdate
/// replaces pods from the highest ordinal down to `partition`, OnDelete only recreates
/// pods that were deleted. Status carries the counts and revisions `kubectl rollout
/// status` reads.
struct StatefulSetController: Reconciler {
    static let podNameLabel = "statefulset.kubernetes.io/pod-name"
    static let podIndexLabel = "apps.kubernetes.io/pod-index"
    static let revisionLabel = "controller-revision-hash"

    let context: SandboxContext
    let sets: Informer
    let pods: Informer
    let claims: Informer
    let history: ControllerHistory
    let events: EventRecorder

    static func services(_ context: SandboxContext) -> [any Service] {
        let informers = context.informers
        let reconciler = StatefulSetController(
            context: context, sets: informers.informer(for: .statefulSets), pods: informers.informer(for: .pods),
            claims: informers.informer(for: .persistentVolumeClaims),
            history: ControllerHistory(client: context.client, revisions: informers.informer(for: .controllerRevisions)),
            events: context.recorder("statefulset-controller"))
        let controller = Controller(
            name: "statefulset-controller", reconciler: reconciler,
            informers: [reconciler.sets, reconciler.pods, reconciler.claims, reconciler.history.revisions], workers: 4,
            logger: context.logger)
        let queue = controller.queue
        reconciler.sets.addHandler { queue.add(ObjectKey($0.object)) }
        reconciler.pods.addHandler { event in
            if let ref = event.object.controllerReference, ref["kind"].stringValue == "StatefulSet" {
                queue.add(ObjectKey(namespace: event.object.namespace, name: ref["name"].stringValue ?? ""))
            }
        }
        return [controller]
    }

    /// The revision the pods are at (`status.currentRevision`) and the one the template asks for.
    struct Revisions {
        var current: JSONValue
        var update: JSONValue
    }

    func reconcile(_ key: ObjectKey, logger: Logger) async throws -> ReconcileResult {
        guard let set = await sets.get(namespace: key.namespace, name: key.name) else { return .done }
        guard !set.isDeleting, let selector = set.specSelector, !selector.requirements.isEmpty else { return .done }
        var existing = try await history.owned(by: set, selector: selector)
        guard let update = try await history.revision(for: set, type: .statefulSets, existing: existing) else {
            return .requeue(after: .milliseconds(100))
        }
        existing.removeAll { $0.name == update.name }
        existing.append(update)
        let currentName = set["status"]["currentRevision"].stringValue
        let revisions = Revisions(current: existing.first { $0.name == currentName } ?? update, update: update)

        let visible = try await ControllerRefs.claim(
            await pods.claimable(by: set.uid, namespace: key.namespace), type: .pods, owner: set, selector: selector, client: context.client
        )
        try await sync(set, pods: visible, revisions: revisions)
        try await deleteScaledDownClaims(set, pods: visible)
        try await updateStatus(set, pods: visible, revisions: revisions)
        let live = Set([revisions.current.name, update.name] + visible.compactMap { $0.labels[Self.revisionLabel] })
        try await history.truncate(existing, live: live, limit: Int(set["spec"]["revisionHistoryLimit"].intValue ?? 10))
        // Pods ready but not yet available for minReadySeconds: nothing else will wake us.
        let minReady = set["spec"]["minReadySeconds"].intValue ?? 0
        let waiting = visible.contains { PodControl.isReady($0) && !PodControl.isAvailable($0, minReadySeconds: minReady) }
        return waiting ? .requeue(after: .seconds(1)) : .done
    }

    // MARK: pods

    /// One step of creating, replacing and removing pods.
    private func sync(_ set: JSONValue, pods: [JSONValue], revisions: Revisions) async throws {
        let start = Int(set["spec"]["ordinals"]["start"].intValue ?? 0)
        let replicas = Int(set["spec"]["replicas"].intValue ?? 1)
        let range = start..<(start + max(replicas, 0))
        let ordered = set["spec"]["podManagementPolicy"].stringValue != "Parallel"
        let minReady = set["spec"]["minReadySeconds"].intValue ?? 0
        func healthy(_ pod: JSONValue) -> Bool {
            pod["status"]["phase"].stringValue == "Running" && PodControl.isAvailable(pod, minReadySeconds: minReady)
        }
        var byOrdinal: [Int: JSONValue] = [:]
        var condemned: [(Int, JSONValue)] = []
        for pod in pods {
            guard let ordinal = Self.ordinal(of: pod.name, set: set.name) else { continue }
            if range.contains(ordinal) { byOrdinal[ordinal] = pod } else { condemned.append((ordinal, pod)) }
        }
        condemned.sort { $0.0 > $1.0 }
        let rolling = (set["spec"]["updateStrategy"]["type"].stringValue ?? "RollingUpdate") == "RollingUpdate"
        let partition = rolling ? Int(set["spec"]["updateStrategy"]["rollingUpdate"]["partition"].intValue ?? 0) : 0

        // Create missing pods and replace failed ones, in ordinal order.
        for ordinal in range {
            guard let pod = byOrdinal[ordinal] else {
                // Below the partition pods keep the current revision.
                let revision = rolling && ordinal < start + partition ? revisions.current : revisions.update
                try await createClaims(set, ordinal: ordinal)
                try await createPod(set, ordinal: ordinal, revision: revision)
                if ordered { return }
                continue
            }
            let phase = pod["status"]["phase"].stringValue ?? ""
            if (phase == "Failed" || phase == "Succeeded") && !pod.isDeleting {
                await events.record(
                    set, type: .warning, reason: "RecreatingFailedPod",
                    message: "StatefulSet \(set.namespace)/\(set.name) is recreating failed Pod \(pod.name)")
                try await deletePod(pod, of: set)
                if ordered { return }
                continue
            }
            if pod.isDeleting, ordered { return }
            try await createClaims(set, ordinal: ordinal)
            if ordered, !healthy(pod) { return }
        }
        // Remove pods beyond the replicas, highest ordinal first.
        let unhealthy = range.compactMap { byOrdinal[$0] }.contains { !healthy($0) }
        for (_, pod) in condemned {
            if pod.isDeleting {
                if ordered { return }
                continue
            }
            if ordered, unhealthy { return }
            try await deletePod(pod, of: set)
            if ordered { return }
        }
        guard condemned.isEmpty, rolling else { return }
        // RollingUpdate: replace outdated pods from the highest ordinal down to the partition, one at a time.
        for ordinal in range.reversed() where ordinal >= start + partition {
            guard let pod = byOrdinal[ordinal] else { return }
            if pod.labels[Self.revisionLabel] != revisions.update.name, !pod.isDeleting {
                try await deletePod(pod, of: set)
                return
            }
            if !healthy(pod) { return }
        }
    }

    /// `web-3` of set `web` → 3.
    static func ordinal(of name: String, set: String) -> Int? {
        guard name.hasPrefix(set + "-") else { return nil }
        let rest = name.dropFirst(set.count + 1)
        guard !rest.isEmpty, rest.allSatisfy(\.isNumber) else { return nil }
        return Int(rest)
    }

    static func newPod(_ set: JSONValue, ordinal: Int, revision: JSONValue) -> JSONValue {
        let name = "\(set.name)-\(ordinal)"
        let template = ControllerHistory.template(of: revision)
        var pod = PodControl.pod(from: template, owner: set, generateName: "")
        pod["metadata"]["generateName"] = nil
        pod["metadata"]["name"] = .string(name)
        var labels = pod["metadata"]["labels"].objectValue ?? [:]
        labels[podNameLabel] = .string(name)
        labels[podIndexLabel] = .string(String(ordinal))
        labels[revisionLabel] = .string(revision.name)
        pod["metadata"]["labels"] = .object(labels)
        pod["spec"]["hostname"] = .string(name)
        if let service = set["spec"]["serviceName"].stringValue, !service.isEmpty { pod["spec"]["subdomain"] = .string(service) }
        var volumes = pod["spec"]["volumes"].arrayValue ?? []
        for claim in set["spec"]["volumeClaimTemplates"].arrayValue ?? [] {
            let volume = claim.name
            volumes.removeAll { $0["name"].stringValue == volume }
            volumes.append([
                "name": .string(volume), "persistentVolumeClaim": ["claimName": .string(claimName(volume, set: set, ordinal: ordinal))],
            ])
        }
        if !volumes.isEmpty { pod["spec"]["volumes"] = .array(volumes) }
        return pod
    }

    private func createPod(_ set: JSONValue, ordinal: Int, revision: JSONValue) async throws {
        let pod = Self.newPod(set, ordinal: ordinal, revision: revision)
        let name = pod.name
        do {
            _ = try await context.client.create(.pods, namespace: set.namespace, pod)
            await events.record(set, reason: "SuccessfulCreate", message: "create Pod \(name) in StatefulSet \(set.name) successful")
        } catch {
            // Created already; the informer has not shown it yet.
            if error.isAlreadyExists { return }
            await events.record(
                set, type: .warning, reason: "FailedCreate", message: "create Pod \(name) in StatefulSet \(set.name) failed error: \(error)"
            )
            throw error
        }
    }

    /// Deletes this pod (by UID: a stale cache may still show one deleted already, or
    /// a pod recreated under the same name).
    private func deletePod(_ pod: JSONValue, of set: JSONValue) async throws {
        do {
            try await context.client.delete(
                .pods, namespace: pod.namespace, name: pod.name, options: DeleteOptions(preconditionUID: pod.uid))
        } catch {
            if error.isNotFound || error.isConflict { return }
            throw error
        }
        await events.record(set, reason: "SuccessfulDelete", message: "delete Pod \(pod.name) in StatefulSet \(set.name) successful")
    }
}
