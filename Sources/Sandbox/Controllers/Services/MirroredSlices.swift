import KubeAPI

/// The slices kube-controller-manager's EndpointSlice mirroring controller makes from a
/// hand-written Endpoints object: one group per subset port set and address type,
/// addresses ready, not-ready addresses not.
enum MirroredSlices {
    /// At most this many addresses of one Endpoints are mirrored.
    static let maxEndpoints = 1000

    static func desired(endpoints: JSONValue) -> [SliceContent] {
        var groups: [String: SliceContent] = [:]
        var seen: [String: Set<String>] = [:]
        var total = 0
        for subset in endpoints["subsets"].arrayValue ?? [] {
            let ports = (subset["ports"].arrayValue ?? []).map(EndpointPort.init)
            let lists = [(subset["addresses"].arrayValue ?? [], true), (subset["notReadyAddresses"].arrayValue ?? [], false)]
            for (addresses, ready) in lists {
                for address in addresses {
                    guard total < maxEndpoints, let ip = address["ip"].stringValue, let family = AddressFamily.of(ip) else { continue }
                    let content = SliceContent(addressType: family, ports: ports, endpoints: [])
                    guard seen[content.key, default: []].insert(ip).inserted else { continue }
                    groups[content.key, default: content].endpoints.append(endpoint(address, ip: ip, ready: ready))
                    total += 1
                }
            }
        }
        return SlicePlanner.chunk(groups.keys.sorted().compactMap { groups[$0] })
    }

    /// `addressToEndpoint`: only the ready condition is known.
    static func endpoint(_ address: JSONValue, ip: String, ready: Bool) -> JSONValue {
        var endpoint: JSONValue = ["addresses": [.string(ip)], "conditions": ["ready": .bool(ready)]]
        if !address["targetRef"].isNull { endpoint["targetRef"] = address["targetRef"] }
        if let node = address["nodeName"].stringValue, !node.isEmpty { endpoint["nodeName"] = .string(node) }
        if let hostname = address["hostname"].stringValue, !hostname.isEmpty { endpoint["hostname"] = .string(hostname) }
        return endpoint
    }

    /// The Endpoints' labels and annotations carried over, as the real controller does.
    static func metadata(endpoints: JSONValue) -> SliceMetadata {
        var labels = endpoints.labels
        labels[ServiceLabels.serviceName] = endpoints.name
        labels[ServiceLabels.managedBy] = ServiceLabels.mirroringController
        var annotations = endpoints.annotations
        annotations[ServiceLabels.lastChangeTriggerTime] = nil
        annotations[ServiceLabels.lastAppliedConfiguration] = nil
        let owner: JSONValue = [
            "apiVersion": "v1", "kind": "Endpoints", "name": .string(endpoints.name), "uid": .string(endpoints.uid),
            "controller": true, "blockOwnerDeletion": true,
        ]
        return SliceMetadata(
            namespace: endpoints.namespace, generateName: "\(endpoints.name)-", labels: labels, annotations: annotations, owner: owner)
    }
}
