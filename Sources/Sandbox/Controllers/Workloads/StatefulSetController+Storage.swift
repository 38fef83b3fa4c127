import Foundation
import KubeAPI
import KubeClient

/// The claims of a StatefulSet's pods: one per volumeClaimTemplate and ordinal, created
/// before the pod, kept when the set scales down unless
/// `persistentVolumeClaimRetentionPolicy.whenScaled` is Delete; owned by the set (so
/// the garbage collector removes them with it) when `whenDeleted` is Delete.
extension StatefulSetController {
    static func claimName(_ template: String, set: JSONValue, ordinal: Int) -> String { "\(template)-\(set.name)-\(ordinal)" }

    func createClaims(_ set: JSONValue, ordinal: Int) async throws {
        let podName = "\(set.name)-\(ordinal)"
        let retention = set["spec"]["persistentVolumeClaimRetentionPolicy"]
        for template in set["spec"]["volumeClaimTemplates"].arrayValue ?? [] {
            let name = Self.claimName(template.name, set: set, ordinal: ordinal)
            if await claims.get(namespace: set.namespace, name: name) != nil { continue }
            var labels = template["metadata"]["labels"].objectValue ?? [:]
            for (k, v) in set["spec"]["selector"]["matchLabels"].objectValue ?? [:] { labels[k] = v }
            var metadata: JSONValue = ["name": .string(name), "namespace": .string(set.namespace)]
            if !labels.isEmpty { metadata["labels"] = .object(labels) }
            metadata["annotations"] = template["metadata"]["annotations"]
            if retention["whenDeleted"].stringValue == "Delete" { metadata["ownerReferences"] = [set.ownerReference()] }
            let claim: JSONValue = ["apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": metadata, "spec": template["spec"]]
            do {
                let created = try await context.client.create(.persistentVolumeClaims, namespace: set.namespace, claim)
                try await ClaimBinder.bind(created, client: context.client)
                await events.record(
                    set, reason: "SuccessfulCreate", message: "create Claim \(name) Pod \(podName) in StatefulSet \(set.name) success")
            } catch {
                if error.isAlreadyExists { continue }
                await events.record(
                    set, type: .warning, reason: "FailedCreate",
                    message: "create Claim \(name) for Pod \(podName) in StatefulSet \(set.name) failed error: \(error)")
                throw error
            }
        }
    }

    /// `whenScaled: Delete`: the claims of ordinals beyond the replicas whose pod is gone.
    func deleteScaledDownClaims(_ set: JSONValue, pods: [JSONValue]) async throws {
        guard set["spec"]["persistentVolumeClaimRetentionPolicy"]["whenScaled"].stringValue == "Delete" else { return }
        let start = Int(set["spec"]["ordinals"]["start"].intValue ?? 0)
        let range = start..<(start + Int(set["spec"]["replicas"].intValue ?? 1))
        let podNames = Set(pods.map(\.name))
        let all = await claims.list(namespace: set.namespace)
        for template in set["spec"]["volumeClaimTemplates"].arrayValue ?? [] {
            let prefix = "\(template.name)-"
            for claim in all where claim.name.hasPrefix(prefix) && !claim.isDeleting {
                guard let ordinal = Self.ordinal(of: String(claim.name.dropFirst(prefix.count)), set: set.name),
                    !range.contains(ordinal), !podNames.contains("\(set.name)-\(ordinal)")
                else { continue }
                try await context.client.deleteIfExists(
                    .persistentVolumeClaims, namespace: claim.namespace, name: claim.name,
                    options: DeleteOptions(preconditionUID: claim.uid))
                await events.record(
                    set, reason: "SuccessfulDelete", message: "delete Claim \(claim.name) in StatefulSet \(set.name) successful")
            }
        }
    }

    // MARK: status

    /// replicas, readyReplicas, availableReplicas, currentReplicas, updatedReplicas, the
    /// current and update revisions (the update revision becomes current once every pod
    /// runs it and is ready), observedGeneration and collisionCount.
    func updateStatus(_ set: JSONValue, pods: [JSONValue], revisions: Revisions) async throws {
        let minReady = set["spec"]["minReadySeconds"].intValue ?? 0
        var replicas = 0
        var ready = 0
        var available = 0
        var current = 0
        var updated = 0
        for pod in pods {
            replicas += 1
            if pod["status"]["phase"].stringValue == "Running", PodControl.isReady(pod) {
                ready += 1
                if PodControl.isAvailable(pod, minReadySeconds: minReady) { available += 1 }
            }
            guard !pod.isDeleting else { continue }
            let revision = pod.labels[Self.revisionLabel]
            if revision == revisions.current.name { current += 1 }
            if revision == revisions.update.name { updated += 1 }
        }
        var currentRevision = revisions.current.name
        let rolling = (set["spec"]["updateStrategy"]["type"].stringValue ?? "RollingUpdate") == "RollingUpdate"
        if rolling, updated == replicas, ready == replicas {
            currentRevision = revisions.update.name
            current = updated
        }
        var status = set["status"].objectValue == nil ? JSONValue.emptyObject : set["status"]
        status["observedGeneration"] = .int(set.generation)
        status["replicas"] = .int(Int64(replicas))
        status["readyReplicas"] = ready == 0 ? .null : .int(Int64(ready))
        status["availableReplicas"] = .int(Int64(available))
        status["currentReplicas"] = current == 0 ? .null : .int(Int64(current))
        status["updatedReplicas"] = updated == 0 ? .null : .int(Int64(updated))
        status["currentRevision"] = .string(currentRevision)
        status["updateRevision"] = .string(revisions.update.name)
        status["collisionCount"] = .int(set["status"]["collisionCount"].intValue ?? 0)
        guard status != set["status"] else { return }
        var object = set
        object["status"] = status
        do {
            _ = try await context.client.update(.statefulSets, object, subresource: "status")
        } catch {
            if error.isNotFound { return }
            throw error
        }
    }
}
