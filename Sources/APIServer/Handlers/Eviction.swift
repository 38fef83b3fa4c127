import Foundation
import KubeAPI

/// The eviction API's budget check: a ready pod covered by a PodDisruptionBudget may go
/// only while the budget allows a disruption, which the eviction then uses up (the
/// disruption controller recomputes it from the pods); otherwise 429 TooManyRequests.
struct Eviction {
    let storage: RESTStorage

    func admit(_ pod: JSONValue) async throws(StatusError) {
        let namespace = pod["metadata"]["namespace"].stringValue ?? ""
        let name = pod["metadata"]["name"].stringValue ?? ""
        let ready = (pod["status"]["conditions"].arrayValue ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" }
        guard ready else { return }
        let labels = (pod["metadata"]["labels"].objectValue ?? [:]).compactMapValues(\.stringValue)
        let budgets = try await storage.list(
            OtherKinds.podDisruptionBudgets, namespace: namespace, labelSelector: LabelSelector(), fieldSelector: FieldSelector(), limit: 0,
            continueToken: nil, resourceVersion: nil
        ).items.filter { budget in
            (try? LabelSelector.from(object: budget["spec"]["selector"]))?.matches(labels) == true && !budget["spec"]["selector"].isNull
        }
        for budget in budgets {
            let budgetName = budget["metadata"]["name"].stringValue ?? ""
            if (budget["status"]["observedGeneration"].intValue ?? 0) < (budget["metadata"]["generation"].intValue ?? 0) {
                throw StatusError(
                    code: 429, reason: .tooManyRequests,
                    message:
                        "Cannot evict pod as it would violate the pod's disruption budget. The disruption budget \(budgetName) is still being processed by the server."
                )
            }
            _ = try await storage.update(
                OtherKinds.podDisruptionBudgets, namespace: namespace, name: budgetName, subresource: "status", options: WriteOptions()
            ) {
                current throws(StatusError) in
                let allowed = current["status"]["disruptionsAllowed"].intValue ?? 0
                guard allowed > 0 else {
                    throw StatusError(
                        code: 429, reason: .tooManyRequests,
                        message:
                            "Cannot evict pod as it would violate the pod's disruption budget. The disruption budget \(budgetName) needs "
                            + "\(current["status"]["desiredHealthy"].intValue ?? 0) healthy pods and has \(current["status"]["currentHealthy"].intValue ?? 0) currently"
                    )
                }
                var updated = current
                updated["status"]["disruptionsAllowed"] = .int(allowed - 1)
                updated["status"]["disruptedPods"][name] = .string(Timestamp.now())
                updated["metadata"]["resourceVersion"] = .null
                return updated
            }
        }
    }
}
