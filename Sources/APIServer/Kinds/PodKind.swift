import KubeAPI

extension CoreKinds {
    static let pods = ResourceDefinition(
        group: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true, shortNames: ["po"],
        categories: ["all"],
        subresources: ["status", "binding", "log", "eviction", "exec", "portforward", "attach", "proxy", "ephemeralcontainers"],
        openAPIName: "io.k8s.api.core.v1.Pod"
    ).with {
        $0.defaulter = defaultPod
        $0.validator = validatePod
        $0.selectableFields = { o in
            [
                "spec.nodeName": o["spec"]["nodeName"].stringValue ?? "",
                "spec.restartPolicy": o["spec"]["restartPolicy"].stringValue ?? "",
                "spec.schedulerName": o["spec"]["schedulerName"].stringValue ?? "",
                "spec.serviceAccountName": o["spec"]["serviceAccountName"].stringValue ?? "",
                "spec.hostNetwork": o["spec"]["hostNetwork"].boolValue == true ? "true" : "false",
                "status.phase": o["status"]["phase"].stringValue ?? "",
                "status.podIP": o["status"]["podIP"].stringValue ?? "",
                "status.nominatedNodeName": o["status"]["nominatedNodeName"].stringValue ?? "",
            ]
        }
        $0.printer = TablePrinter(
            columns: [
                Cells.nameColumn, TableColumn("Ready"), TableColumn("Status"), TableColumn("Restarts"), Cells.ageColumn,
                TableColumn("IP", priority: 1), TableColumn("Node", priority: 1),
                TableColumn("Nominated Node", priority: 1), TableColumn("Readiness Gates", priority: 1),
            ],
            cells: podCells)
    }

    static let podCells: @Sendable (JSONValue) -> [JSONValue] = { o in
        let containers = o["spec"]["containers"].arrayValue ?? []
        let statuses = o["status"]["containerStatuses"].arrayValue ?? []
        let ready = statuses.filter { $0["ready"].boolValue == true }.count
        var restarts: Int64 = 0
        var reason = o["status"]["reason"].stringValue ?? o["status"]["phase"].stringValue ?? "Unknown"
        for s in statuses {
            restarts += s["restartCount"].intValue ?? 0
            if let waiting = s["state"]["waiting"]["reason"].stringValue, !waiting.isEmpty {
                reason = waiting
            } else if let terminated = s["state"]["terminated"]["reason"].stringValue, !terminated.isEmpty {
                reason = terminated
            }
        }
        if !o["metadata"]["deletionTimestamp"].isNull { reason = "Terminating" }
        let gates = o["spec"]["readinessGates"].arrayValue ?? []
        let gatesCell: JSONValue
        if gates.isEmpty {
            gatesCell = "<none>"
        } else {
            let conditions = o["status"]["conditions"].arrayValue ?? []
            let met = gates.filter { g in
                conditions.contains { $0["type"] == g["conditionType"] && $0["status"].stringValue == "True" }
            }.count
            gatesCell = .string("\(met)/\(gates.count)")
        }
        return [
            Cells.name(o), .string("\(ready)/\(containers.count)"), .string(reason), .int(restarts), Cells.age(o),
            Cells.orNone(o["status"]["podIP"].stringValue), Cells.orNone(o["spec"]["nodeName"].stringValue),
            Cells.orNone(o["status"]["nominatedNodeName"].stringValue), gatesCell,
        ]
    }

    static let defaultPod: @Sendable (inout JSONValue) -> Void = { o in
        var spec = o["spec"]
        PodSpecDefaults.apply(&spec)
        if spec["enableServiceLinks"].isNull { spec["enableServiceLinks"] = true }
        if spec["serviceAccountName"].isNull { spec["serviceAccountName"] = "default" }
        if spec["serviceAccount"].isNull { spec["serviceAccount"] = spec["serviceAccountName"] }
        if spec["priority"].isNull { spec["priority"] = 0 }
        if spec["preemptionPolicy"].isNull { spec["preemptionPolicy"] = "PreemptLowerPriority" }
        if spec["tolerations"].isNull {
            spec["tolerations"] = [
                ["key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300],
                ["key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300],
            ]
        }
        o["spec"] = spec
        if o["status"]["phase"].isNull { o["status"]["phase"] = "Pending" }
        if o["status"]["qosClass"].isNull { o["status"]["qosClass"] = .string(qosClass(spec)) }
    }

    /// Guaranteed when every container has equal CPU and memory requests and limits,
    /// BestEffort when none has any, Burstable otherwise.
    static func qosClass(_ spec: JSONValue) -> String {
        let containers = (spec["containers"].arrayValue ?? []) + (spec["initContainers"].arrayValue ?? [])
        var any = false
        var guaranteed = true
        for c in containers {
            let requests = c["resources"]["requests"].objectValue ?? [:]
            let limits = c["resources"]["limits"].objectValue ?? [:]
            if !requests.isEmpty || !limits.isEmpty { any = true }
            for r in ["cpu", "memory"] {
                let limit = limits[r]
                let request = requests[r] ?? limit
                if limit == nil || request != limit { guaranteed = false }
            }
        }
        if !any { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }

    static let podUpdateMessage =
        "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

    static let validatePod: @Sendable (JSONValue, JSONValue?) -> [FieldError] = { o, old in
        var errs = PodSpecDefaults.validate(o["spec"], path: "spec", restartPolicies: ["Always", "OnFailure", "Never"])
        if let old {
            // Only images, activeDeadlineSeconds, tolerations and a few more may change.
            func mutableStripped(_ spec: JSONValue) -> JSONValue {
                var s = spec
                for field in ["containers", "initContainers"] {
                    if var list = s[field].arrayValue {
                        for i in list.indices { list[i]["image"] = .null }
                        s[field] = .array(list)
                    }
                }
                s["activeDeadlineSeconds"] = .null
                s["tolerations"] = .null
                s["terminationGracePeriodSeconds"] = .null
                s["nodeName"] = .null
                s["schedulingGates"] = .null
                return s
            }
            if mutableStripped(o["spec"]) != mutableStripped(old["spec"]) {
                errs.append(.forbidden("spec", podUpdateMessage))
            }
        }
        return errs
    }
}
