import FederationAPI
import KubeAPI
import KubeClient

/// Applies override policies to one cluster's member copy: rules in order, and within a
/// rule image, replicas, labels, annotations, args, env, then the JSON patch.
public enum Overrides {
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case jsonPatch(policy: String, reason: String)
        case noContainer(policy: String, container: String)
        public var description: String {
            switch self {
            case .jsonPatch(let policy, let reason): return "\(policy): jsonPatch failed: \(reason)"
            case .noContainer(let policy, let container): return "\(policy): no container \(container)"
            }
        }
    }

    public static func apply(
        _ policies: [OverridePolicy], to copy: JSONValue, type: ResourceType, cluster: ClusterCandidate, replicaField: String?
    ) throws(Failure) -> JSONValue {
        var out = copy
        for policy in policies {
            for rule in policy.rules where rule.clusters.matches(name: cluster.name, labels: cluster.labels) {
                for overrider in rule.overriders {
                    try apply(overrider, to: &out, policy: policy.reference, replicaField: replicaField)
                }
            }
        }
        return out
    }

    /// Where a kind keeps its pod spec.
    static func podSpecPath(_ copy: JSONValue) -> [String] {
        switch copy["kind"].stringValue {
        case "Pod": return ["spec"]
        case "CronJob": return ["spec", "jobTemplate", "spec", "template", "spec"]
        default: return ["spec", "template", "spec"]
        }
    }

    static func apply(_ overrider: OverridePolicy.Overrider, to copy: inout JSONValue, policy: String, replicaField: String?)
        throws(Failure)
    {
        switch overrider {
        case .image(let container, let value):
            try editContainers(&copy, only: container, policy: policy) { $0["image"] = .string(value) }
        case .imageParts(let registry, let tag):
            try editContainers(&copy, only: nil, policy: policy) { c in
                c["image"] = .string(replacing(c["image"].stringValue ?? "", registry: registry, tag: tag))
            }
        case .replicas(let n):
            if let replicaField { copy["spec"][replicaField] = .int(n) }
        case .labels(let labels):
            for (k, v) in labels { copy["metadata"]["labels"][k] = .string(v) }
        case .annotations(let annotations):
            for (k, v) in annotations { copy["metadata"]["annotations"][k] = .string(v) }
        case .args(let container, let value):
            try editContainers(&copy, only: container, policy: policy) { $0["args"] = .array(value.map(JSONValue.string)) }
        case .env(let container, let set, let remove):
            try editContainers(&copy, only: container, policy: policy) { c in
                var env = (c["env"].arrayValue ?? []).filter { !remove.contains($0["name"].stringValue ?? "") }
                for (name, value) in set.sorted(by: { $0.key < $1.key }) {
                    if let i = env.firstIndex(where: { $0["name"].stringValue == name }) {
                        env[i] = ["name": .string(name), "value": .string(value)]
                    } else {
                        env.append(["name": .string(name), "value": .string(value)])
                    }
                }
                c["env"] = env.isEmpty ? .null : .array(env)
            }
        case .jsonPatch(let patch):
            do {
                copy = try JSONPatch.apply(patch, to: copy)
            } catch {
                throw .jsonPatch(policy: policy, reason: "\(error)")
            }
        }
    }

    /// Edits the containers (and init containers) of the pod spec; `only` names one.
    static func editContainers(_ copy: inout JSONValue, only: String?, policy: String, _ edit: (inout JSONValue) -> Void) throws(Failure) {
        let path = podSpecPath(copy)
        var spec = path.reduce(copy) { $0[$1] }
        var found = false
        for field in ["initContainers", "containers"] {
            guard var containers = spec[field].arrayValue else { continue }
            for i in containers.indices where only == nil || containers[i]["name"].stringValue == only {
                edit(&containers[i])
                found = true
            }
            spec[field] = .array(containers)
        }
        if let only, !found { throw .noContainer(policy: policy, container: only) }
        set(&copy, path[...], spec)
    }

    private static func set(_ value: inout JSONValue, _ path: ArraySlice<String>, _ new: JSONValue) {
        guard let first = path.first else {
            value = new
            return
        }
        var child = value[first]
        set(&child, path.dropFirst(), new)
        value[first] = child
    }

    /// `registry/path/name:tag` with the registry and/or tag replaced. The registry is the
    /// first path part when it has a dot or colon or is `localhost` (Docker's rule).
    static func replacing(_ image: String, registry: String?, tag: String?) -> String {
        var rest = image
        var digest = ""
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[at...])
            rest = String(rest[..<at])
        }
        var currentTag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            currentTag = String(rest[rest.index(after: colon)...])
            rest = String(rest[..<colon])
        }
        var parts = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if let first = parts.first, parts.count > 1, first.contains(".") || first.contains(":") || first == "localhost" {
            parts.removeFirst()
        }
        var out = parts.joined(separator: "/")
        if let registry {
            out = registry.hasSuffix("/") ? registry + out : registry + "/" + out
        } else if let original = image.split(separator: "/").first, image.split(separator: "/").count > 1,
            original.contains(".") || original.contains(":") || original == "localhost"
        {
            out = original + "/" + out
        }
        if let t = tag ?? currentTag { out += ":" + t }
        return out + (tag == nil ? digest : "")
    }
}
