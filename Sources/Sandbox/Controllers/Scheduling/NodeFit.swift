import KubeAPI

/// The scheduler's filters: whether a pod fits a node, and if not, why (in
/// kube-scheduler's words, which `kubectl describe pod` shows).
struct NodeFit {
    /// Requests already placed on the node (non-terminal pods bound to it).
    var used: PodRequests
    var podCount: Int

    enum Rejection: Hashable {
        case notReady
        case unschedulable
        case selectorMismatch
        case untoleratedTaint(key: String, value: String)
        case insufficientCPU
        case insufficientMemory
        case tooManyPods

        var message: String {
            switch self {
            case .notReady: return "node(s) had untolerated taint {node.kubernetes.io/not-ready: }"
            case .unschedulable: return "node(s) were unschedulable"
            case .selectorMismatch: return "node(s) didn't match Pod's node affinity/selector"
            case .untoleratedTaint(let key, let value): return "node(s) had untolerated taint {\(key): \(value)}"
            case .insufficientCPU: return "Insufficient cpu"
            case .insufficientMemory: return "Insufficient memory"
            case .tooManyPods: return "Too many pods"
            }
        }
    }

    /// Every reason the pod does not fit (empty: it fits).
    func rejections(pod: JSONValue, node: JSONValue) -> [Rejection] {
        if node.condition("Ready")?["status"].stringValue != "True" { return [.notReady] }
        if node["spec"]["unschedulable"].boolValue == true,
            !tolerates(pod, key: "node.kubernetes.io/unschedulable", value: "", effect: "NoSchedule")
        {
            return [.unschedulable]
        }
        if !Self.matchesSelectorAndAffinity(pod: pod, nodeLabels: node.labels, nodeName: node.name) { return [.selectorMismatch] }
        for taint in node["spec"]["taints"].arrayValue ?? [] {
            let effect = taint["effect"].stringValue ?? ""
            guard effect == "NoSchedule" || effect == "NoExecute" else { continue }
            let key = taint["key"].stringValue ?? ""
            let value = taint["value"].stringValue ?? ""
            if !tolerates(pod, key: key, value: value, effect: effect) { return [.untoleratedTaint(key: key, value: value)] }
        }
        var reasons: [Rejection] = []
        let allocatable = node["status"]["allocatable"]
        let request = PodRequests(pod: pod)
        if let cpu = Quantity.milli(allocatable["cpu"]), request.cpuMilli > 0, used.cpuMilli + request.cpuMilli > cpu {
            reasons.append(.insufficientCPU)
        }
        if let memory = Quantity.milli(allocatable["memory"]), request.memoryMilli > 0, used.memoryMilli + request.memoryMilli > memory {
            reasons.append(.insufficientMemory)
        }
        if let pods = Quantity.milli(allocatable["pods"]), Int64(podCount + 1) * 1000 > pods { reasons.append(.tooManyPods) }
        return reasons
    }

    /// Lower is better: the mean fraction of CPU and memory in use after placing the pod.
    func score(pod: JSONValue, node: JSONValue) -> Double {
        let allocatable = node["status"]["allocatable"]
        let request = PodRequests(pod: pod)
        let cpu = Double(max(Quantity.milli(allocatable["cpu"]) ?? 1, 1))
        let memory = Double(max(Quantity.milli(allocatable["memory"]) ?? 1, 1))
        return (Double(used.cpuMilli + request.cpuMilli) / cpu + Double(used.memoryMilli + request.memoryMilli) / memory) / 2
    }

    func tolerates(_ pod: JSONValue, key: String, value: String, effect: String) -> Bool {
        (pod["spec"]["tolerations"].arrayValue ?? []).contains { t in
            let tEffect = t["effect"].stringValue ?? ""
            guard tEffect.isEmpty || tEffect == effect else { return false }
            let tKey = t["key"].stringValue ?? ""
            let op = t["operator"].stringValue ?? "Equal"
            if tKey.isEmpty { return op == "Exists" }
            guard tKey == key else { return false }
            return op == "Exists" || (t["value"].stringValue ?? "") == value
        }
    }

    /// `spec.nodeSelector` and required node affinity (terms ORed, expressions and
    /// fields ANDed; `metadata.name` is the only node field, as DaemonSet pods use it).
    static func matchesSelectorAndAffinity(pod: JSONValue, nodeLabels: [String: String], nodeName: String = "") -> Bool {
        for (key, value) in pod["spec"]["nodeSelector"].objectValue ?? [:] where nodeLabels[key] != value.stringValue {
            return false
        }
        let required = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        guard let terms = required["nodeSelectorTerms"].arrayValue, !terms.isEmpty else { return true }
        return terms.contains { term in
            let expressions = term["matchExpressions"].arrayValue ?? []
            let fields = term["matchFields"].arrayValue ?? []
            guard !expressions.isEmpty || !fields.isEmpty else { return false }
            return expressions.allSatisfy { matches($0, nodeLabels) }
                && fields.allSatisfy { $0["key"].stringValue == "metadata.name" && matches($0, ["metadata.name": nodeName]) }
        }
    }

    static func matches(_ expression: JSONValue, _ labels: [String: String]) -> Bool {
        let key = expression["key"].stringValue ?? ""
        let values = (expression["values"].arrayValue ?? []).compactMap(\.stringValue)
        let actual = labels[key]
        switch expression["operator"].stringValue ?? "" {
        case "In": return actual.map(values.contains) ?? false
        case "NotIn": return actual.map { !values.contains($0) } ?? true
        case "Exists": return actual != nil
        case "DoesNotExist": return actual == nil
        case "Gt": return Int(actual ?? "").flatMap { a in Int(values.first ?? "").map { a > $0 } } ?? false
        case "Lt": return Int(actual ?? "").flatMap { a in Int(values.first ?? "").map { a < $0 } } ?? false
        default: return false
        }
    }

    /// kube-scheduler's summary: `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) … .`
    static func failureMessage(nodeCount: Int, rejections: [[Rejection]]) -> String {
        guard nodeCount > 0 else { return "no nodes available to schedule pods" }
        var counts: [String: Int] = [:]
        for perNode in rejections { for r in Set(perNode) { counts[r.message, default: 0] += 1 } }
        let reasons = counts.map { "\($0.value) \($0.key)" }.sorted()
        return "0/\(nodeCount) nodes are available: \(reasons.joined(separator: ", ")). preemption: 0/\(nodeCount) nodes are available: "
            + "\(nodeCount) Preemption is not helpful for scheduling."
    }
}
