import KubeAPI

/// The slices kube-controller-manager's EndpointSlice controller wants for a Service
/// with a selector: every pod with an IP, terminating ones included (with their
/// conditions saying so), grouped by the ports that resolve on them; an empty
/// placeholder slice when there is none.
enum EndpointSliceBuilder {
    /// `zones` maps node names to their `topology.kubernetes.io/zone`.
    static func desired(service: JSONValue, pods: [JSONValue], zones: [String: String]) -> [SliceContent] {
        var groups: [String: SliceContent] = [:]
        for pod in pods where PodEndpointRules.belongsInEndpoints(pod, includeTerminating: true) {
            guard let ip = PodEndpointRules.podIP(pod), AddressFamily.of(ip) == "IPv4" else { continue }
            let ports = PodEndpointRules.ports(of: service, on: pod)
            let content = SliceContent(addressType: "IPv4", ports: ports, endpoints: [])
            groups[content.key, default: content].endpoints.append(endpoint(pod, ip: ip, service: service, zones: zones))
        }
        let sorted = groups.keys.sorted().compactMap { key -> SliceContent? in
            guard var group = groups[key] else { return nil }
            group.endpoints.sort { ($0["addresses"][0].stringValue ?? "") < ($1["addresses"][0].stringValue ?? "") }
            return group
        }
        let slices = SlicePlanner.chunk(sorted)
        return slices.isEmpty ? [SliceContent(addressType: "IPv4", ports: [], endpoints: [])] : slices
    }

    /// `podToEndpoint`: ready only when serving and not terminating, unless the Service
    /// publishes not-ready addresses.
    static func endpoint(_ pod: JSONValue, ip: String, service: JSONValue, zones: [String: String]) -> JSONValue {
        let serving = PodEndpointRules.isReady(pod)
        let terminating = pod.isDeleting
        let ready = service["spec"]["publishNotReadyAddresses"].boolValue == true || (serving && !terminating)
        var endpoint: JSONValue = [
            "addresses": [.string(ip)],
            "conditions": ["ready": .bool(ready), "serving": .bool(serving), "terminating": .bool(terminating)],
            "targetRef": PodEndpointRules.targetRef(pod),
        ]
        if let node = pod["spec"]["nodeName"].stringValue, !node.isEmpty {
            endpoint["nodeName"] = .string(node)
            if let zone = zones[node], !zone.isEmpty { endpoint["zone"] = .string(zone) }
        }
        if let hostname = PodEndpointRules.hostname(pod, service: service) { endpoint["hostname"] = .string(hostname) }
        return endpoint
    }

    /// The labels of a Service's slices: the Service's own, the Service name, the
    /// manager and the headless mark.
    static func labels(service: JSONValue) -> [String: String] {
        var labels = service.labels
        labels[ServiceLabels.serviceName] = service.name
        labels[ServiceLabels.managedBy] = ServiceLabels.sliceController
        if service.isHeadlessService { labels[ServiceLabels.headless] = "" } else { labels[ServiceLabels.headless] = nil }
        return labels
    }
}

/// The EndpointSlice address type of an IP address, nil when it is not one.
enum AddressFamily {
    static func of(_ ip: String) -> String? {
        if ip.contains(":") { return ip.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } ? "IPv6" : nil }
        let octets = ip.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ !$0.isEmpty && $0.count <= 3 && UInt8($0) != nil }) else { return nil }
        return "IPv4"
    }
}
