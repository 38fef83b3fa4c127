import KubeAPI

/// The rules of the policy kinds their structural schemas cannot express (they run after
/// the schema passed, as a validating admission step of the federation API server).
/// Unknown cluster names are not errors: clusters may join later; policy status lists them.
public enum PolicyValidation {
    public static var validators: [String: @Sendable (JSONValue, JSONValue?) -> [FieldError]] {
        [
            "propagationpolicies.\(Federation.group)": { o, _ in propagation(o) },
            "clusterpropagationpolicies.\(Federation.group)": { o, _ in propagation(o) },
            "overridepolicies.\(Federation.group)": { o, _ in override(o) },
            "clusteroverridepolicies.\(Federation.group)": { o, _ in override(o) },
        ]
    }

    static func selector(_ value: JSONValue, _ path: String) -> [FieldError] {
        guard !value.isNull else { return [] }
        do {
            _ = try LabelSelector.from(object: value)
            return []
        } catch {
            return [.invalid(path, value, error.message)]
        }
    }

    static func resourceSelectors(_ object: JSONValue) -> [FieldError] {
        let path = "spec.resourceSelectors"
        let selectors = object["spec"]["resourceSelectors"].arrayValue ?? []
        if selectors.isEmpty { return [.required(path, "at least one resource selector is required")] }
        var errs: [FieldError] = []
        let namespace = object["metadata"]["namespace"].stringValue
        for (i, s) in selectors.enumerated() {
            let p = "\(path)[\(i)]"
            if s["kind"].stringValue != nil, s["apiVersion"].stringValue == nil {
                errs.append(.required("\(p).apiVersion", "kind needs apiVersion"))
            }
            if s["apiVersion"].stringValue != nil, s["kind"].stringValue == nil {
                errs.append(.required("\(p).kind", "apiVersion needs kind"))
            }
            if let namespace, let other = s["namespace"].stringValue, other != namespace {
                errs.append(.invalid("\(p).namespace", s["namespace"], "a namespaced policy selects objects of its own namespace only"))
            }
            errs += selector(s["labelSelector"], "\(p).labelSelector")
        }
        return errs
    }

    static func propagation(_ object: JSONValue) -> [FieldError] {
        var errs = resourceSelectors(object)
        let placement = object["spec"]["placement"]
        errs += selector(placement["clusterSelector"], "spec.placement.clusterSelector")
        if let min = placement["spread"]["minGroups"].intValue, let max = placement["spread"]["maxGroups"].intValue, max < min {
            errs.append(.invalid("spec.placement.spread.maxGroups", .int(max), "must be at least minGroups (\(min))"))
        }
        if let min = placement["spread"]["minGroups"].intValue, let maxClusters = placement["maxClusters"].intValue, maxClusters < min {
            errs.append(.invalid("spec.placement.maxClusters", .int(maxClusters), "must be at least spread.minGroups (\(min))"))
        }
        let replicas = object["spec"]["replicas"]
        if let min = replicas["minPerCluster"].intValue, let max = replicas["maxPerCluster"].intValue, max < min {
            errs.append(.invalid("spec.replicas.maxPerCluster", .int(max), "must be at least minPerCluster (\(min))"))
        }
        for (i, w) in (replicas["weights"].arrayValue ?? []).enumerated() {
            let p = "spec.replicas.weights[\(i)]"
            if (w["cluster"].stringValue == nil) == w["clusterSelector"].isNull {
                errs.append(.invalid(p, w, "exactly one of cluster and clusterSelector is required"))
            }
            errs += selector(w["clusterSelector"], "\(p).clusterSelector")
        }
        if replicas["byCapacity"].boolValue == true, !(replicas["weights"].arrayValue ?? []).isEmpty {
            errs.append(.invalid("spec.replicas.byCapacity", true, "byCapacity and weights are exclusive"))
        }
        if replicas["mode"] == "Duplicated", replicas["byCapacity"].boolValue == true || !(replicas["weights"].arrayValue ?? []).isEmpty {
            errs.append(.invalid("spec.replicas.mode", "Duplicated", "weights and byCapacity apply to Divided only"))
        }
        return errs
    }

    static func override(_ object: JSONValue) -> [FieldError] {
        var errs = resourceSelectors(object)
        let rules = object["spec"]["rules"].arrayValue ?? []
        if rules.isEmpty { errs.append(.required("spec.rules", "at least one rule is required")) }
        for (i, rule) in rules.enumerated() {
            let p = "spec.rules[\(i)]"
            errs += selector(rule["clusters"]["selector"], "\(p).clusters.selector")
            let image = rule["image"]
            if !image.isNull {
                let whole = image["value"].stringValue != nil || image["container"].stringValue != nil
                let parts = image["registry"].stringValue != nil || image["tag"].stringValue != nil
                if whole == parts {
                    errs.append(.invalid("\(p).image", image, "give either container and value, or registry and/or tag"))
                } else if whole, image["value"].stringValue == nil || image["container"].stringValue == nil {
                    errs.append(.invalid("\(p).image", image, "container and value go together"))
                }
            }
            let env = rule["env"]
            if !env.isNull, env["set"].isNull, env["remove"].isNull {
                errs.append(.invalid("\(p).env", env, "set or remove is required"))
            }
            for (j, op) in (rule["jsonPatch"].arrayValue ?? []).enumerated() {
                let q = "\(p).jsonPatch[\(j)]"
                let name = op["op"].stringValue ?? ""
                if !(op["path"].stringValue ?? "").hasPrefix("/") {
                    errs.append(.invalid("\(q).path", op["path"], "must be a JSON pointer starting with /"))
                }
                if ["add", "replace", "test"].contains(name), op.objectValue?["value"] == nil {
                    errs.append(.required("\(q).value", "\(name) needs a value"))
                }
                if ["move", "copy"].contains(name), !(op["from"].stringValue ?? "").hasPrefix("/") {
                    errs.append(.required("\(q).from", "\(name) needs from, a JSON pointer"))
                }
            }
            let known = ["clusters", "image", "replicas", "labels", "annotations", "args", "env", "jsonPatch"]
            if (rule.objectValue ?? [:]).keys.allSatisfy({ $0 == "clusters" || !known.contains($0) }) {
                errs.append(.required(p, "a rule needs at least one override"))
            }
        }
        return errs
    }
}
