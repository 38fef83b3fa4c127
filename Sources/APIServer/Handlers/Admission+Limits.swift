import KubeAPI
import Store

/// The LimitRanger and ResourceQuota admission plugins of kube-apiserver: container
/// defaults and bounds from LimitRanges, and hard quotas checked against current usage.
/// Usage is counted from the namespace's objects at admission time (kube-apiserver also
/// serializes through the quota's status; two racing creates here can overshoot by one).
extension Admission {
    static let computeResources = ["cpu", "memory"]

    /// The name admission errors show: kube-apiserver admits before it generates names, so
    /// a generated name shows as its `generateName` prefix.
    static func displayName(_ object: JSONValue) -> String {
        let name = object["metadata"]["name"].stringValue ?? ""
        if let prefix = object["metadata"]["generateName"].stringValue, !prefix.isEmpty,
            name.isEmpty || (name.hasPrefix(prefix) && name.count == prefix.count + 5)
        {
            return prefix
        }
        return name
    }

    // MARK: LimitRanger

    func applyLimitRanges(_ pod: inout JSONValue, namespace: String, fresh: Bool) async throws(StatusError) -> [WriteRequirement] {
        let (ranges, requirement) = try await storage.admissionList(CoreKinds.limitRanges, namespace: namespace, fresh: fresh)
        let items = ranges.flatMap { $0["spec"]["limits"].arrayValue ?? [] }.filter {
            ($0["type"].stringValue ?? "Container") == "Container"
        }
        guard !items.isEmpty else { return requirement.map { [$0] } ?? [] }
        var changes: [String] = []
        var violations: [String] = []
        for field in ["initContainers", "containers"] {
            guard var containers = pod["spec"][field].arrayValue else { continue }
            for i in containers.indices {
                let name = containers[i]["name"].stringValue ?? ""
                var set: [String: [String]] = [:]
                for item in items {
                    for resource in Self.computeResources {
                        let defaultLimit = item["default"][resource]
                        let defaultRequest = item["defaultRequest"][resource].isNull ? defaultLimit : item["defaultRequest"][resource]
                        if containers[i]["resources"]["limits"][resource].isNull, !defaultLimit.isNull {
                            containers[i]["resources"]["limits"][resource] = defaultLimit
                            set["limit", default: []].append(resource)
                        }
                        if containers[i]["resources"]["requests"][resource].isNull, !defaultRequest.isNull {
                            // A request defaults to the limit when only a limit is given.
                            containers[i]["resources"]["requests"][resource] = defaultRequest
                            set["request", default: []].append(resource)
                        }
                    }
                }
                for (kind, resources) in set.sorted(by: { $0.key > $1.key }) {
                    changes.append(
                        "\(resources.joined(separator: ", ")) \(kind) for \(field == "initContainers" ? "init container" : "container") \(name)"
                    )
                }
                for item in items {
                    violations += Self.boundViolations(containers[i]["resources"], item: item)
                }
            }
            pod["spec"][field] = .array(containers)
        }
        if !violations.isEmpty {
            let name = Self.displayName(pod)
            let text = violations.count == 1 ? violations[0] : "[\(violations.joined(separator: ", "))]"
            throw StatusError(code: 403, reason: .forbidden, message: "pods \"\(name)\" is forbidden: \(text)")
        }
        if !changes.isEmpty {
            pod["metadata"]["annotations"]["kubernetes.io/limit-ranger"] = .string(
                "LimitRanger plugin set: \(changes.joined(separator: "; "))")
        }
        return []
    }

    static func boundViolations(_ resources: JSONValue, item: JSONValue) -> [String] {
        var out: [String] = []
        for resource in computeResources {
            let limit = resources["limits"][resource]
            let request = resources["requests"][resource]
            if let max = Quantity.milli(item["max"][resource]) {
                if limit.isNull {
                    out.append(
                        "maximum \(resource) usage per Container is \(item["max"][resource].stringValue ?? "").  No limit is specified")
                } else if let l = Quantity.milli(limit), l > max {
                    out.append(
                        "maximum \(resource) usage per Container is \(item["max"][resource].stringValue ?? ""), but limit is \(limit.stringValue ?? "")"
                    )
                }
            }
            if let min = Quantity.milli(item["min"][resource]) {
                if request.isNull {
                    out.append(
                        "minimum \(resource) usage per Container is \(item["min"][resource].stringValue ?? "").  No request is specified")
                } else if let r = Quantity.milli(request), r < min {
                    out.append(
                        "minimum \(resource) usage per Container is \(item["min"][resource].stringValue ?? ""), but request is \(request.stringValue ?? "")"
                    )
                }
            }
        }
        return out
    }

    // MARK: ResourceQuota

    /// What creating `object` adds to each quota resource name.
    func quotaDelta(_ object: JSONValue) -> [String: Int64] {
        let countName = def.group.isEmpty ? "count/\(def.resource)" : "count/\(def.resource).\(def.group)"
        var delta: [String: Int64] = [countName: 1000]
        if def.group.isEmpty,
            ["pods", "services", "configmaps", "secrets", "persistentvolumeclaims", "replicationcontrollers", "resourcequotas"]
                .contains(def.resource)
        {
            delta[def.resource] = 1000
        }
        if def.group.isEmpty && def.resource == "pods" {
            for (key, value) in Self.podCompute(object) { delta[key] = value }
        }
        if def.group.isEmpty && def.resource == "services" {
            let type = object["spec"]["type"].stringValue ?? "ClusterIP"
            if type == "LoadBalancer" { delta["services.loadbalancers"] = 1000 }
            if type == "LoadBalancer" || type == "NodePort" {
                delta["services.nodeports"] = Int64((object["spec"]["ports"].arrayValue ?? []).count) * 1000
            }
        }
        return delta
    }

    /// requests.cpu/memory (also as plain cpu/memory) and limits.cpu/memory of a pod, milli-units.
    static func podCompute(_ pod: JSONValue) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for resource in computeResources {
            var requests: Int64 = 0
            var limits: Int64 = 0
            for c in pod["spec"]["containers"].arrayValue ?? [] {
                requests += Quantity.milli(c["resources"]["requests"][resource]) ?? 0
                limits += Quantity.milli(c["resources"]["limits"][resource]) ?? 0
            }
            out["requests.\(resource)"] = requests
            out[resource] = requests
            out["limits.\(resource)"] = limits
        }
        return out
    }

    static func counts(_ pod: JSONValue) -> Bool {
        !["Succeeded", "Failed"].contains(pod["status"]["phase"].stringValue ?? "")
    }

    func checkQuota(_ object: JSONValue, namespace: String, fresh: Bool) async throws(StatusError) -> [WriteRequirement] {
        let (quotas, requirement) = try await storage.admissionList(CoreKinds.resourceQuotas, namespace: namespace, fresh: fresh)
        guard !quotas.isEmpty else { return requirement.map { [$0] } ?? [] }
        let delta = quotaDelta(object)
        let name = Self.displayName(object)
        var existing: [JSONValue]?
        for quota in quotas.sorted(by: { ($0["metadata"]["name"].stringValue ?? "") < ($1["metadata"]["name"].stringValue ?? "") }) {
            let hard = (quota["spec"]["hard"].objectValue ?? [:]).compactMapValues { Quantity.milli($0) }
            let relevant = hard.keys.filter { delta[$0] != nil }.sorted()
            guard !relevant.isEmpty else { continue }
            let quotaName = quota["metadata"]["name"].stringValue ?? ""
            if def.group.isEmpty && def.resource == "pods" {
                let missing = Self.missingCompute(object, tracked: Set(hard.keys))
                if !missing.isEmpty {
                    throw StatusError(
                        code: 403, reason: .forbidden,
                        message: "pods \"\(name)\" is forbidden: failed quota: \(quotaName): must specify \(missing)")
                }
            }
            if existing == nil {
                existing = try await storage.list(
                    def, namespace: namespace, labelSelector: LabelSelector(), fieldSelector: FieldSelector(), limit: 0, continueToken: nil,
                    resourceVersion: nil
                ).items.filter { !(def.resource == "pods" && def.group.isEmpty) || Self.counts($0) }
            }
            var used: [String: Int64] = [:]
            for item in existing ?? [] {
                for (k, v) in quotaDelta(item) { used[k, default: 0] += v }
            }
            let exceeded = relevant.filter { (used[$0] ?? 0) + (delta[$0] ?? 0) > hard[$0]! }
            guard !exceeded.isEmpty else { continue }
            func show(_ values: [String: Int64]) -> String {
                exceeded.map { "\($0)=\(Self.format(values[$0] ?? 0, resource: $0))" }.joined(separator: ",")
            }
            throw StatusError(
                code: 403, reason: .forbidden,
                message: "\(def.resource) \"\(name)\" is forbidden: exceeded quota: \(quotaName), requested: \(show(delta)), "
                    + "used: \(show(used)), limited: \(show(hard))")
        }
        return []
    }

    /// "limits.cpu for: c; requests.memory for: c" for compute resources a quota tracks but the pod omits.
    static func missingCompute(_ pod: JSONValue, tracked: Set<String>) -> String {
        var out: [String] = []
        for key in ["limits.cpu", "limits.memory", "requests.cpu", "requests.memory", "cpu", "memory"] where tracked.contains(key) {
            let (kind, resource) =
                key.contains(".") ? (String(key.split(separator: ".")[0]), String(key.split(separator: ".")[1])) : ("requests", key)
            let lacking = (pod["spec"]["containers"].arrayValue ?? []).filter { $0["resources"][kind][resource].isNull }
                .compactMap { $0["name"].stringValue }
            if !lacking.isEmpty { out.append("\(key) for: \(lacking.joined(separator: ","))") }
        }
        return out.joined(separator: "; ")
    }

    static func format(_ milli: Int64, resource: String) -> String {
        resource.hasSuffix("memory") ? Quantity.formatBytes(milli: milli) : Quantity.format(milli: milli)
    }
}
