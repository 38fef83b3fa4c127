import KubeAPI

/// Legacy and aggregated discovery documents built from a catalog.
enum Discovery {
    static func apiVersions(serverAddress: String) -> JSONValue {
        [
            "kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]],
        ]
    }

    static func groupJSON(_ name: String, _ versions: [String]) -> JSONValue {
        let list: [JSONValue] = versions.map { ["groupVersion": .string("\(name)/\($0)"), "version": .string($0)] }
        return ["name": .string(name), "versions": .array(list), "preferredVersion": list[0]]
    }

    static func groupList(_ catalog: ResourceCatalog) -> JSONValue {
        let groups = catalog.groups.filter { !$0.name.isEmpty }.map { groupJSON($0.name, $0.versions) }
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)]
    }

    static func group(_ catalog: ResourceCatalog, name: String) -> JSONValue? {
        guard let g = catalog.groups.first(where: { $0.name == name && !name.isEmpty }) else { return nil }
        var doc = groupJSON(g.name, g.versions)
        doc["kind"] = "APIGroup"
        doc["apiVersion"] = "v1"
        return doc
    }

    /// The response kind of a subresource (`Scale` for scale, the parent's kind for status).
    static func subresourceKind(_ d: ResourceDefinition, _ sub: String) -> (group: String, version: String, kind: String)? {
        switch sub {
        case "status": return (d.group, d.version, d.kind)
        case "scale": return ("autoscaling", "v1", "Scale")
        case "token": return ("authentication.k8s.io", "v1", "TokenRequest")
        case "binding": return ("", "v1", "Binding")
        case "eviction": return ("policy", "v1", "Eviction")
        case "log", "exec", "attach", "portforward", "proxy":
            return ("", "v1", d.kind == "Pod" ? (sub == "log" ? "Pod" : "PodExecOptions") : d.kind)
        case "ephemeralcontainers": return (d.group, d.version, d.kind)
        case "finalize": return ("", "v1", "Namespace")
        default: return nil
        }
    }

    static func subresourceVerbs(_ sub: String) -> [String] {
        switch sub {
        case "status", "scale", "ephemeralcontainers": return ["get", "patch", "update"]
        case "token", "binding", "eviction": return ["create"]
        case "log": return ["get"]
        case "exec", "attach", "portforward": return ["create", "get"]
        case "proxy": return ["create", "delete", "get", "patch", "update"]
        case "finalize": return ["update"]
        default: return ["get"]
        }
    }

    static func resourceList(_ catalog: ResourceCatalog, group: String, version: String) -> JSONValue? {
        guard catalog.servesGroupVersion(group: group, version: version) else { return nil }
        var resources: [JSONValue] = []
        for d in catalog.resources(group: group, version: version) {
            var r: JSONValue = [
                "name": .string(d.resource), "singularName": .string(d.singular), "namespaced": .bool(d.namespaced),
                "kind": .string(d.kind), "verbs": .array(d.verbs.map { .string($0) }),
            ]
            if !d.shortNames.isEmpty { r["shortNames"] = .array(d.shortNames.map { .string($0) }) }
            if !d.categories.isEmpty { r["categories"] = .array(d.categories.map { .string($0) }) }
            resources.append(r)
            for sub in d.subresources {
                guard let k = subresourceKind(d, sub) else { continue }
                var s: JSONValue = [
                    "name": .string("\(d.resource)/\(sub)"), "singularName": "", "namespaced": .bool(d.namespaced),
                    "kind": .string(k.kind), "verbs": .array(subresourceVerbs(sub).map { .string($0) }),
                ]
                if k.group != d.group || k.version != d.version {
                    s["group"] = .string(k.group)
                    s["version"] = .string(k.version)
                }
                resources.append(s)
            }
        }
        let gv = group.isEmpty ? version : "\(group)/\(version)"
        return ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(gv), "resources": .array(resources)]
    }

    /// `apidiscovery.k8s.io` aggregated documents for `/api` (core) or `/apis` (the rest).
    static func aggregated(_ catalog: ResourceCatalog, core: Bool, apiVersion: String) -> JSONValue {
        var items: [JSONValue] = []
        for g in catalog.groups where g.name.isEmpty == core {
            var versions: [JSONValue] = []
            for v in g.versions {
                let resources: [JSONValue] = catalog.resources(group: g.name, version: v).map { d in
                    var r: JSONValue = [
                        "resource": .string(d.resource),
                        "responseKind": ["group": .string(d.group), "version": .string(d.version), "kind": .string(d.kind)],
                        "scope": d.namespaced ? "Namespaced" : "Cluster", "singularResource": .string(d.singular),
                        "verbs": .array(d.verbs.map { .string($0) }),
                    ]
                    if !d.shortNames.isEmpty { r["shortNames"] = .array(d.shortNames.map { .string($0) }) }
                    if !d.categories.isEmpty { r["categories"] = .array(d.categories.map { .string($0) }) }
                    let subs: [JSONValue] = d.subresources.compactMap { sub in
                        guard let k = subresourceKind(d, sub) else { return nil }
                        return [
                            "subresource": .string(sub),
                            "responseKind": ["group": .string(k.group), "version": .string(k.version), "kind": .string(k.kind)],
                            "verbs": .array(subresourceVerbs(sub).map { .string($0) }),
                        ]
                    }
                    if !subs.isEmpty { r["subresources"] = .array(subs) }
                    return r
                }
                versions.append(["version": .string(v), "resources": .array(resources), "freshness": "Current"])
            }
            var meta: JSONValue = .emptyObject
            if !g.name.isEmpty { meta["name"] = .string(g.name) }
            items.append(["metadata": meta, "versions": .array(versions)])
        }
        return ["kind": "APIGroupDiscoveryList", "apiVersion": .string(apiVersion), "metadata": .emptyObject, "items": .array(items)]
    }
}
