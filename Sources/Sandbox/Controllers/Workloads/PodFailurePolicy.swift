import KubeAPI

/// A Job's `spec.podFailurePolicy`: the first rule whose exit codes or pod conditions
/// match a failed pod decides whether the pod fails the job at once (FailJob), does not
/// count towards `backoffLimit` (Ignore) or counts as usual (Count; FailIndex too, as
/// per-index back-off limits are not simulated).
enum PodFailurePolicy {
    enum Action: Equatable {
        case failJob(message: String)
        case ignore
        case count
    }

    static func action(for pod: JSONValue, job: JSONValue) -> Action {
        for (index, rule) in (job["spec"]["podFailurePolicy"]["rules"].arrayValue ?? []).enumerated() {
            guard let matched = match(rule, pod: pod) else { continue }
            switch rule["action"].stringValue ?? "" {
            case "FailJob": return .failJob(message: "\(matched) matching FailJob rule at index \(index)")
            case "Ignore": return .ignore
            default: return .count
            }
        }
        return .count
    }

    /// What matched, in the job controller's words; nil when the rule does not apply.
    static func match(_ rule: JSONValue, pod: JSONValue) -> String? {
        let onExitCodes = rule["onExitCodes"]
        if !onExitCodes.isNull {
            let container = onExitCodes["containerName"].stringValue
            let values = (onExitCodes["values"].arrayValue ?? []).compactMap(\.intValue)
            let isIn = (onExitCodes["operator"].stringValue ?? "In") == "In"
            let statuses = (pod["status"]["initContainerStatuses"].arrayValue ?? []) + (pod["status"]["containerStatuses"].arrayValue ?? [])
            for status in statuses {
                let name = status["name"].stringValue ?? ""
                // Only containers that failed (non-zero exit) are considered.
                guard container == nil || container == name, let code = status["state"]["terminated"]["exitCode"].intValue, code != 0
                else { continue }
                if values.contains(code) == isIn {
                    return "Container \(name) for pod \(pod.namespace)/\(pod.name) failed with exit code \(code)"
                }
            }
        }
        for requirement in rule["onPodConditions"].arrayValue ?? [] {
            let type = requirement["type"].stringValue ?? ""
            if pod.condition(type)?["status"].stringValue == (requirement["status"].stringValue ?? "True") {
                return "Pod \(pod.namespace)/\(pod.name) has condition \(type)"
            }
        }
        return nil
    }
}
