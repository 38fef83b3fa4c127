import FederationAPI
import KubeAPI
import KubeClient

/// The federation-wide truth in a federated object's status: Deployments, ReplicaSets and
/// StatefulSets sum their members' replica counts; Services and Ingresses list every
/// member's load-balancer ingress (and keep it per member in an annotation, for DNS); Jobs
/// sum succeeded/failed/active and are Complete once every member's copy is.
enum StatusAggregation {
    static func aggregates(_ type: ResourceType) -> Bool {
        [.deployments, .replicaSets, .statefulSets, .services, .ingresses, .jobs, .daemonSets].contains(type)
    }

    static func aggregate(_ type: ResourceType, object: JSONValue, copies: [String: JSONValue]) -> JSONValue? {
        let ordered = copies.sorted { $0.key < $1.key }.map(\.value)
        func sum(_ field: String) -> JSONValue {
            let total = ordered.reduce(Int64(0)) { $0 + ($1["status"][field].intValue ?? 0) }
            return total == 0 ? .null : .int(total)
        }
        var status = object["status"]
        if status.objectValue == nil { status = .emptyObject }
        switch type {
        case .deployments, .statefulSets, .replicaSets:
            let fields =
                type == .replicaSets
                ? ["replicas", "readyReplicas", "availableReplicas", "fullyLabeledReplicas"]
                : ["replicas", "readyReplicas", "updatedReplicas", "availableReplicas", "currentReplicas"]
            for field in fields { status[field] = sum(field) }
            if type == .deployments {
                let unavailable = (object["spec"]["replicas"].intValue ?? 1) - (sum("availableReplicas").intValue ?? 0)
                status["unavailableReplicas"] = unavailable > 0 ? .int(unavailable) : .null
            }
            // The federation has observed its generation once every member has observed its
            // copy's: until then `kubectl rollout status` keeps waiting.
            let observed = ordered.allSatisfy {
                ($0["status"]["observedGeneration"].intValue ?? 0) >= ($0["metadata"]["generation"].intValue ?? 0)
            }
            if observed { status["observedGeneration"] = object["metadata"]["generation"] }
        case .daemonSets:
            for field in ["desiredNumberScheduled", "currentNumberScheduled", "numberReady", "numberAvailable", "updatedNumberScheduled"] {
                status[field] = sum(field)
            }
        case .jobs:
            for field in ["active", "succeeded", "failed", "ready"] { status[field] = sum(field) }
            jobCompletion(copies: ordered, into: &status)
        case .services, .ingresses:
            let ingress = ordered.flatMap { $0["status"]["loadBalancer"]["ingress"].arrayValue ?? [] }
            status["loadBalancer"] = ingress.isEmpty ? .emptyObject : ["ingress": .array(ingress)]
        default:
            return nil
        }
        return status
    }

    /// The federated Job started when its first copy did, and is Complete (or Failed) once
    /// every copy is finished and all (or any) of them completed (or failed).
    private static func jobCompletion(copies: [JSONValue], into status: inout JSONValue) {
        func finished(_ copy: JSONValue, _ type: String) -> JSONValue? {
            (copy["status"]["conditions"].arrayValue ?? []).first { $0["type"] == .string(type) && $0["status"] == "True" }
        }
        let starts = copies.compactMap { $0["status"]["startTime"].stringValue }
        status["startTime"] = starts.min().map(JSONValue.string) ?? .null
        let complete = copies.compactMap { finished($0, "Complete") }
        let failed = copies.compactMap { finished($0, "Failed") }
        guard !copies.isEmpty, complete.count + failed.count == copies.count else {
            status["conditions"] = .null
            status["completionTime"] = .null
            return
        }
        let decisive = failed.isEmpty ? complete : failed
        let last = decisive.compactMap { $0["lastTransitionTime"].stringValue }.max()
        var condition: JSONValue = ["type": .string(failed.isEmpty ? "Complete" : "Failed"), "status": "True"]
        condition["lastProbeTime"] = last.map(JSONValue.string) ?? .null
        condition["lastTransitionTime"] = last.map(JSONValue.string) ?? .null
        if let reason = failed.first?["reason"], !reason.isNull { condition["reason"] = reason }
        status["conditions"] = [condition]
        let completions = copies.compactMap { $0["status"]["completionTime"].stringValue }
        status["completionTime"] = failed.isEmpty ? (completions.max().map(JSONValue.string) ?? .null) : .null
    }

    /// Keeps each member's ingress in the `MemberIngress.annotation` of a federated
    /// Service or Ingress, so DNS knows it after a restart even while the member is
    /// unreachable (and on replicas that do not watch members).
    static func persistMemberIngress(
        _ federation: KubeClient, type: ResourceType, object: JSONValue, copies: [String: JSONValue], unreachable: Set<String>
    ) async throws {
        guard MemberIngress.types.contains(type) else { return }
        let previous = MemberIngress.persisted(object)
        let text = MemberIngress.merged(previous: previous, copies: copies, unreachable: unreachable)
        guard text != object["metadata"]["annotations"][MemberIngress.annotation].stringValue else { return }
        let patch: JSONValue = ["metadata": ["annotations": [MemberIngress.annotation: text.map(JSONValue.string) ?? .null]]]
        do {
            _ = try await federation.patch(
                type, namespace: object["metadata"]["namespace"].stringValue, name: object["metadata"]["name"].stringValue ?? "", patch,
                as: .merge)
        } catch {
            if !error.isNotFound { throw error }
        }
    }

    static func update(_ federation: KubeClient, type: ResourceType, object: JSONValue, copies: [String: JSONValue]) async throws {
        guard let status = aggregate(type, object: object, copies: copies), status != object["status"] else { return }
        var updated = object
        updated["status"] = status
        // Unconditional: the federated status is ours alone, and the next pass recomputes it.
        updated["metadata"]["resourceVersion"] = .null
        do {
            _ = try await federation.update(type, updated, subresource: "status")
        } catch {
            if !error.isNotFound { throw error }
        }
    }
}
