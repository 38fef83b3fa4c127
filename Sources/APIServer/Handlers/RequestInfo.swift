import KubeAPI

/// What a request path addresses: kube-apiserver's RequestInfo.
struct RequestInfo: Sendable, Equatable {
    enum Target: Sendable, Equatable {
        case apiVersions  // /api
        case groupList  // /apis
        case group(String)  // /apis/g
        case resourceList(group: String, version: String)  // /api/v1, /apis/g/v
        case resource  // a resource collection, object or subresource
        case other  // /version, /healthz, /openapi, ...
    }
    var target: Target
    var group = ""
    var version = ""
    var namespace: String?
    var resource = ""
    var name: String?
    var subresource: String?
    var extraPath: [String] = []
    /// The legacy `/watch/` path prefix.
    var legacyWatch = false

    /// Parses a path; returns nil for paths that address nothing (404).
    static func parse(_ path: String) -> RequestInfo? {
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let root = parts.first else { return RequestInfo(target: .other) }
        var info = RequestInfo(target: .other)
        switch root {
        case "api":
            parts.removeFirst()
            if parts.isEmpty { return RequestInfo(target: .apiVersions) }
            info.version = parts.removeFirst()
        case "apis":
            parts.removeFirst()
            if parts.isEmpty { return RequestInfo(target: .groupList) }
            info.group = parts.removeFirst()
            if parts.isEmpty { return RequestInfo(target: .group(info.group)) }
            info.version = parts.removeFirst()
        default:
            return RequestInfo(target: .other)
        }
        if parts.isEmpty { return RequestInfo(target: .resourceList(group: info.group, version: info.version)) }
        info.target = .resource
        if parts.first == "watch" {
            info.legacyWatch = true
            parts.removeFirst()
            if parts.isEmpty { return nil }
        }
        if parts[0] == "namespaces" && parts.count >= 3 && parts[2] != "status" && parts[2] != "finalize" {
            // /namespaces/{ns}/{resource}/...
            info.namespace = parts[1]
            parts.removeFirst(2)
        }
        info.resource = parts.removeFirst()
        if !parts.isEmpty { info.name = parts.removeFirst() }
        if !parts.isEmpty { info.subresource = parts.removeFirst() }
        info.extraPath = parts
        return info
    }
}
