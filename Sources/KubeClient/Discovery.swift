import KubeAPI

/// What the API server serves, from the legacy discovery documents (`/api`, `/api/v1`,
/// `/apis`, `/apis/G/V`), cached: a lookup that misses refreshes once (a CRD may have
/// just been created), and `invalidate()` forces the next lookup to refresh.
public actor Discovery {
    public struct Resource: Sendable, Hashable {
        public var type: ResourceType
        public var verbs: [String]
        public var shortNames: [String]
        /// Whether this is the group's preferred version.
        public var preferred: Bool
    }

    let client: KubeClient
    let maxAge: Duration
    private var resources: [Resource] = []
    private var fetchedAt: ContinuousClock.Instant?

    public init(client: KubeClient, maxAge: Duration = .seconds(60)) {
        self.client = client
        self.maxAge = maxAge
    }

    public func invalidate() { fetchedAt = nil }

    /// Every top-level resource (no subresources) of every served version.
    public func all() async throws(KubeClientError) -> [Resource] {
        if let fetchedAt, ContinuousClock.now - fetchedAt < maxAge { return resources }
        try await refresh()
        return resources
    }

    /// The resource serving `kind` in `apiVersion` (`apps/v1`, `v1`).
    public func resource(apiVersion: String, kind: String) async throws(KubeClientError) -> ResourceType? {
        if let hit = try await all().first(where: { $0.type.apiVersion == apiVersion && $0.type.kind == kind }) { return hit.type }
        try await refresh()
        return resources.first { $0.type.apiVersion == apiVersion && $0.type.kind == kind }?.type
    }

    /// A resource by plural name, short name or kind (case-insensitive), optionally
    /// `name.group`, preferring the group's preferred version, as kubectl resolves `get X`.
    public func resource(named name: String) async throws(KubeClientError) -> ResourceType? {
        func find(_ list: [Resource]) -> ResourceType? {
            let lower = name.lowercased()
            let (plain, group): (String, String?) =
                lower.firstIndex(of: ".").map { (String(lower[..<$0]), String(lower[lower.index(after: $0)...])) } ?? (lower, nil)
            let matches = list.filter { r in
                (group == nil || r.type.group == group)
                    && (r.type.resource == plain || r.type.kind.lowercased() == plain || r.shortNames.contains(plain))
            }
            return (matches.first { $0.preferred } ?? matches.first)?.type
        }
        if let hit = find(try await all()) { return hit }
        try await refresh()
        return find(resources)
    }

    private func refresh() async throws(KubeClientError) {
        var found: [Resource] = []
        let core = try await client.call(.GET, "/api")
        for version in (core["versions"].arrayValue ?? []).compactMap(\.stringValue) {
            found += try await list(path: "/api/\(version)", group: "", version: version, preferred: version == "v1")
        }
        let groups = try await client.call(.GET, "/apis")
        for group in groups["groups"].arrayValue ?? [] {
            guard let name = group["name"].stringValue else { continue }
            let preferred = group["preferredVersion"]["version"].stringValue
            for version in (group["versions"].arrayValue ?? []).compactMap({ $0["version"].stringValue }) {
                found += try await list(path: "/apis/\(name)/\(version)", group: name, version: version, preferred: version == preferred)
            }
        }
        resources = found
        fetchedAt = .now
    }

    private func list(path: String, group: String, version: String, preferred: Bool) async throws(KubeClientError) -> [Resource] {
        let document: JSONValue
        do {
            document = try await client.call(.GET, path)
        } catch {
            // A group version that went away between the two reads (a deleted CRD).
            if error.isNotFound { return [] }
            throw error
        }
        return (document["resources"].arrayValue ?? []).compactMap { r in
            guard let name = r["name"].stringValue, !name.contains("/"), let kind = r["kind"].stringValue else { return nil }
            return Resource(
                type: ResourceType(
                    group: group, version: version, resource: name, kind: kind, namespaced: r["namespaced"].boolValue ?? false),
                verbs: (r["verbs"].arrayValue ?? []).compactMap(\.stringValue),
                shortNames: (r["shortNames"].arrayValue ?? []).compactMap(\.stringValue), preferred: preferred)
        }
    }
}
