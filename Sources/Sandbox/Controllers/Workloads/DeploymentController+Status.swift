import Foundation
import KubeAPI
import KubeClient

extension DeploymentController {
    /// Sums the ReplicaSets' counts into the Deployment's status and sets the Available
    /// and Progressing conditions as kube-controller-manager words them.
    func updateStatus(_ d: JSONValue, all: [JSONValue], new: JSONValue?) async throws {
        func sum(_ field: String) -> Int64 { all.reduce(0) { $0 + ($1["status"][field].intValue ?? 0) } }
        let replicas = d["spec"]["replicas"].intValue ?? 1
        let available = sum("availableReplicas")
        let totalSpec = all.reduce(Int64(0)) { $0 + ($1["spec"]["replicas"].intValue ?? 0) }
        var status = d["status"]
        if status.objectValue == nil { status = .emptyObject }
        status["observedGeneration"] = .int(d.generation)
        status["replicas"] = .int(sum("replicas"))
        status["updatedReplicas"] = .int(new?["status"]["replicas"].intValue ?? 0)
        status["readyReplicas"] = .int(sum("readyReplicas"))
        status["availableReplicas"] = .int(available)
        status["unavailableReplicas"] = .int(max(totalSpec - available, 0))
        for field in ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas"]
        where status[field].intValue == 0 {
            status[field] = .null
        }

        let now = Timestamp.now()
        var conditions = d["status"]["conditions"].arrayValue ?? []
        let minAvailable = replicas - Int64(RolloutMath.surgeAndUnavailable(d).unavailable)
        let recreate = d["spec"]["strategy"]["type"].stringValue == "Recreate"
        let hasMinimum = available >= (recreate ? replicas : minAvailable)
        conditions = Self.setCondition(
            conditions, type: "Available", status: hasMinimum,
            reason: hasMinimum ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
            message: hasMinimum ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", now: now)
        if let new, d["spec"]["paused"].boolValue != true {
            let progressing = Self.progressing(d, new: new, all: all, newStatus: status, now: now)
            conditions = Self.setCondition(
                conditions, type: "Progressing", status: progressing.status, reason: progressing.reason, message: progressing.message,
                now: now, touch: progressing.touch)
        } else if d["spec"]["paused"].boolValue == true {
            conditions = Self.setCondition(
                conditions, type: "Progressing", status: false, reason: "DeploymentPaused", message: "Deployment is paused", now: now,
                touch: d.condition("Progressing")?["reason"].stringValue != "DeploymentPaused")
        }
        status["conditions"] = .array(conditions)
        guard status != d["status"] else { return }
        var updated = d
        updated["status"] = status
        do {
            _ = try await context.client.update(.deployments, updated, subresource: "status")
        } catch {
            if error.isNotFound { return }
            throw error
        }
    }

    struct Progress {
        var status: Bool
        var reason: String
        var message: String
        /// Whether lastUpdateTime moves (progress was made).
        var touch: Bool
    }

    static func progressing(_ d: JSONValue, new: JSONValue, all: [JSONValue], newStatus: JSONValue, now: String) -> Progress {
        let previous = d.condition("Progressing")
        let previousReason = previous?["reason"].stringValue
        let replicas = d["spec"]["replicas"].intValue ?? 1
        let total = all.reduce(Int64(0)) { $0 + ($1["status"]["replicas"].intValue ?? 0) }
        let rs = new["status"]
        let complete =
            (rs["replicas"].intValue ?? 0) == replicas && (rs["availableReplicas"].intValue ?? 0) == replicas && total == replicas
            && (rs["observedGeneration"].intValue ?? 0) >= new.generation
        if complete {
            return Progress(
                status: true, reason: "NewReplicaSetAvailable", message: "ReplicaSet \"\(new.name)\" has successfully progressed.",
                touch: previousReason != "NewReplicaSetAvailable")
        }
        // Progress, as Kubernetes judges it: more updated/ready/available replicas, or fewer old ones.
        func count(_ s: JSONValue, _ field: String) -> Int64 { s[field].intValue ?? 0 }
        let old = d["status"]
        let moved =
            count(newStatus, "updatedReplicas") > count(old, "updatedReplicas")
            || count(newStatus, "readyReplicas") > count(old, "readyReplicas")
            || count(newStatus, "availableReplicas") > count(old, "availableReplicas")
            || count(newStatus, "replicas") - count(newStatus, "updatedReplicas") < count(old, "replicas") - count(old, "updatedReplicas")
        let previousIsThisRollout = previous?["message"].stringValue?.contains("\"\(new.name)\"") == true
        if !moved, previousIsThisRollout, previousReason != "NewReplicaSetAvailable",
            let updated = previous?["lastUpdateTime"].stringValue.flatMap(Timestamp.parse)
        {
            let deadline = Double(d["spec"]["progressDeadlineSeconds"].intValue ?? 600)
            if Date().timeIntervalSince(updated) > deadline {
                return Progress(
                    status: false, reason: "ProgressDeadlineExceeded", message: "ReplicaSet \"\(new.name)\" has timed out progressing.",
                    touch: previousReason != "ProgressDeadlineExceeded")
            }
            if previousReason == "ProgressDeadlineExceeded" {
                return Progress(
                    status: false, reason: "ProgressDeadlineExceeded", message: previous?["message"].stringValue ?? "", touch: false)
            }
        }
        if !previousIsThisRollout {
            return Progress(status: true, reason: "NewReplicaSetCreated", message: "Created new replica set \"\(new.name)\"", touch: true)
        }
        return Progress(status: true, reason: "ReplicaSetUpdated", message: "ReplicaSet \"\(new.name)\" is progressing.", touch: moved)
    }

    /// Deployment conditions carry lastUpdateTime (moved on progress) and lastTransitionTime
    /// (moved when the status flips).
    static func setCondition(
        _ conditions: [JSONValue], type: String, status: Bool, reason: String, message: String, now: String, touch: Bool = false
    ) -> [JSONValue] {
        var list = conditions
        let text = status ? "True" : "False"
        let index = list.firstIndex { $0["type"].stringValue == type }
        let previous = index.map { list[$0] }
        var condition: JSONValue = [
            "type": .string(type), "status": .string(text), "reason": .string(reason), "message": .string(message),
            "lastUpdateTime": .string(now), "lastTransitionTime": .string(now),
        ]
        if let previous {
            if previous["status"].stringValue == text { condition["lastTransitionTime"] = previous["lastTransitionTime"] }
            // lastUpdateTime moves on progress; without progress it stays, so the deadline can pass.
            if !touch, previous["status"].stringValue == text, previous["reason"].stringValue == reason {
                condition["lastUpdateTime"] = previous["lastUpdateTime"]
            }
        }
        if let index { list[index] = condition } else { list.append(condition) }
        return list
    }
}
