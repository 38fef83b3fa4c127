import KubeAPI

/// kube-apiserver's defaulting of PodSpec and containers, shared by Pods and every
/// workload's pod template.
enum PodSpecDefaults {
    static func apply(_ spec: inout JSONValue, restartPolicy: String? = "Always") {
        if spec["restartPolicy"].isNull, let restartPolicy { spec["restartPolicy"] = .string(restartPolicy) }
        if spec["dnsPolicy"].isNull { spec["dnsPolicy"] = "ClusterFirst" }
        if spec["schedulerName"].isNull { spec["schedulerName"] = "default-scheduler" }
        if spec["terminationGracePeriodSeconds"].isNull { spec["terminationGracePeriodSeconds"] = 30 }
        if spec["securityContext"].isNull { spec["securityContext"] = .emptyObject }
        for field in ["containers", "initContainers"] {
            guard var list = spec[field].arrayValue else { continue }
            for i in list.indices { defaultContainer(&list[i]) }
            spec[field] = .array(list)
        }
    }

    static func defaultContainer(_ c: inout JSONValue) {
        if c["terminationMessagePath"].isNull { c["terminationMessagePath"] = "/dev/termination-log" }
        if c["terminationMessagePolicy"].isNull { c["terminationMessagePolicy"] = "File" }
        if c["imagePullPolicy"].isNull {
            let image = c["image"].stringValue ?? ""
            let lastComponent = image.split(separator: "/").last.map(String.init) ?? image
            let untaggedOrLatest = !lastComponent.contains(":") || lastComponent.hasSuffix(":latest")
            c["imagePullPolicy"] = (untaggedOrLatest && !image.contains("@")) ? "Always" : "IfNotPresent"
        }
        if c["resources"].isNull { c["resources"] = .emptyObject }
        if var ports = c["ports"].arrayValue {
            for i in ports.indices where ports[i]["protocol"].isNull { ports[i]["protocol"] = "TCP" }
            c["ports"] = .array(ports)
        }
    }

    static func applyTemplate(_ object: inout JSONValue, path: [String], restartPolicy: String? = "Always") {
        var spec = object.value(at: path + ["spec"])
        guard spec.objectValue != nil else { return }
        apply(&spec, restartPolicy: restartPolicy)
        object.setValue(spec, at: path + ["spec"])
    }

    /// Validates a PodSpec at `path` (containers required, names, images).
    static func validate(_ spec: JSONValue, path: String, restartPolicies: [String]? = nil) -> [FieldError] {
        var errs: [FieldError] = []
        let containers = spec["containers"].arrayValue ?? []
        if containers.isEmpty { errs.append(.required("\(path).containers")) }
        var seen = Set<String>()
        for (i, c) in containers.enumerated() {
            let p = "\(path).containers[\(i)]"
            let name = c["name"].stringValue ?? ""
            if name.isEmpty {
                errs.append(.required("\(p).name"))
            } else {
                for e in Validation.dns1123Label(name) { errs.append(.invalid("\(p).name", .string(name), e)) }
                if !seen.insert(name).inserted { errs.append(FieldError(.duplicate, field: "\(p).name", badValue: .string(name))) }
            }
            if (c["image"].stringValue ?? "").isEmpty { errs.append(.required("\(p).image")) }
            for (j, port) in (c["ports"].arrayValue ?? []).enumerated() {
                let cp = port["containerPort"]
                if let n = cp.intValue, !(1...65535).contains(n) {
                    errs.append(.invalid("\(p).ports[\(j)].containerPort", cp, "must be between 1 and 65535, inclusive"))
                } else if cp.isNull {
                    errs.append(.required("\(p).ports[\(j)].containerPort"))
                }
            }
        }
        if let allowed = restartPolicies, let rp = spec["restartPolicy"].stringValue, !allowed.contains(rp) {
            errs.append(.notSupported("\(path).restartPolicy", .string(rp), allowed))
        }
        return errs
    }
}
