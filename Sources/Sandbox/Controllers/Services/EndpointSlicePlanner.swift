import KubeAPI

/// What one EndpointSlice holds: its address type, ports and endpoints.
struct SliceContent: Equatable, Sendable {
    var addressType: String
    var ports: [EndpointPort]
    var endpoints: [JSONValue]

    init(addressType: String, ports: [EndpointPort], endpoints: [JSONValue]) {
        self.addressType = addressType
        self.ports = ports
        self.endpoints = endpoints
    }

    /// The content of an existing slice.
    init(slice: JSONValue) {
        self.init(
            addressType: slice["addressType"].stringValue ?? "", ports: (slice["ports"].arrayValue ?? []).map(EndpointPort.init),
            endpoints: slice["endpoints"].arrayValue ?? [])
    }

    /// Slices are keyed by address type and ports: endpoints move between slices of one key.
    var key: String { addressType + "|" + ports.map { "\($0.name)/\($0.port)/\($0.proto)/\($0.appProtocol ?? "")" }.joined(separator: ",") }
}

/// How to get from the slices there are to the slices wanted.
struct SlicePlan: Sendable {
    var creates: [SliceContent] = []
    var updates: [(existing: JSONValue, content: SliceContent)] = []
    var deletes: [JSONValue] = []

    var isEmpty: Bool { creates.isEmpty && updates.isEmpty && deletes.isEmpty }
}

enum SlicePlanner {
    /// At most this many endpoints per slice (kube-controller-manager's default).
    static let maxEndpointsPerSlice = 100

    /// Splits endpoints grouped by key into slices of at most `limit` endpoints.
    static func chunk(_ groups: [SliceContent], limit: Int = maxEndpointsPerSlice) -> [SliceContent] {
        groups.flatMap { group -> [SliceContent] in
            guard group.endpoints.count > limit else { return [group] }
            return stride(from: 0, to: group.endpoints.count, by: limit).map { start in
                let end = min(start + limit, group.endpoints.count)
                return SliceContent(addressType: group.addressType, ports: group.ports, endpoints: Array(group.endpoints[start..<end]))
            }
        }
    }

    /// Pairs wanted slices with existing ones of the same key, keeping a slice that
    /// already holds exactly what is wanted, reusing others by name order, creating the
    /// rest and deleting what is left over. `metadataStale` says an existing slice needs
    /// rewriting even when its content is right (labels, owner).
    static func plan(desired: [SliceContent], existing: [JSONValue], metadataStale: (JSONValue) -> Bool) -> SlicePlan {
        var plan = SlicePlan()
        var pool: [String: [JSONValue]] = [:]
        for slice in existing.sorted(by: { $0.name < $1.name }) { pool[SliceContent(slice: slice).key, default: []].append(slice) }
        var unmatched: [SliceContent] = []
        for content in desired {
            if let index = pool[content.key]?.firstIndex(where: { SliceContent(slice: $0) == content }) {
                let slice = pool[content.key]!.remove(at: index)
                if metadataStale(slice) { plan.updates.append((slice, content)) }
            } else {
                unmatched.append(content)
            }
        }
        for content in unmatched {
            if var candidates = pool[content.key], !candidates.isEmpty {
                plan.updates.append((candidates.removeFirst(), content))
                pool[content.key] = candidates
            } else {
                plan.creates.append(content)
            }
        }
        plan.deletes = pool.values.flatMap { $0 }.sorted { $0.name < $1.name }
        return plan
    }
}
