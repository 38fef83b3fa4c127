import KubeAPI

/// The `subsets` of a Service's Endpoints, as kube-controller-manager's endpoints
/// controller computes them: one address per pod that belongs (has an IP, not
/// terminating), ready or not ready, and addresses grouped by the set of ports that
/// resolve on them (`RepackSubsets`), in a stable order so unchanged input gives
/// identical output.
enum EndpointsBuilder {
    private struct Group {
        var ports: [EndpointPort]
        var ready: [JSONValue] = []
        var notReady: [JSONValue] = []
    }

    static func subsets(service: JSONValue, pods: [JSONValue]) -> [JSONValue] {
        let publishNotReady = service["spec"]["publishNotReadyAddresses"].boolValue == true
        let noPorts = service.servicePorts.isEmpty
        var groups: [[EndpointPort]: Group] = [:]
        for pod in pods where PodEndpointRules.belongsInEndpoints(pod, includeTerminating: false) {
            let ports = PodEndpointRules.ports(of: service, on: pod)
            // A pod none of whose ports resolve is left out, except for headless Services
            // without ports, which list bare addresses.
            guard !ports.isEmpty || (noPorts && service.isHeadlessService) else { continue }
            let address = address(of: pod, service: service)
            let ready = publishNotReady || PodEndpointRules.isReady(pod)
            if ready {
                groups[ports, default: Group(ports: ports)].ready.append(address)
            } else {
                groups[ports, default: Group(ports: ports)].notReady.append(address)
            }
        }
        return groups.values.sorted { key($0.ports) < key($1.ports) }.map { group in
            var subset: JSONValue = .emptyObject
            if !group.ready.isEmpty { subset["addresses"] = .array(sortAddresses(group.ready)) }
            if !group.notReady.isEmpty { subset["notReadyAddresses"] = .array(sortAddresses(group.notReady)) }
            if !group.ports.isEmpty { subset["ports"] = .array(group.ports.map(\.json)) }
            return subset
        }
    }

    static func address(of pod: JSONValue, service: JSONValue) -> JSONValue {
        var address: JSONValue = ["ip": .string(PodEndpointRules.podIP(pod) ?? ""), "targetRef": PodEndpointRules.targetRef(pod)]
        if let node = pod["spec"]["nodeName"].stringValue, !node.isEmpty { address["nodeName"] = .string(node) }
        if let hostname = PodEndpointRules.hostname(pod, service: service) { address["hostname"] = .string(hostname) }
        return address
    }

    /// By IP, then by pod UID (`LessEndpointAddress`).
    private static func sortAddresses(_ addresses: [JSONValue]) -> [JSONValue] {
        addresses.sorted {
            let a = ($0["ip"].stringValue ?? "", $0["targetRef"]["uid"].stringValue ?? "")
            let b = ($1["ip"].stringValue ?? "", $1["targetRef"]["uid"].stringValue ?? "")
            return a < b
        }
    }

    private static func key(_ ports: [EndpointPort]) -> String {
        ports.map { "\($0.name)/\($0.port)/\($0.proto)" }.joined(separator: ",")
    }

    /// The labels the controller puts on Endpoints: the Service's own, plus the mark that
    /// keeps the mirroring controller away, plus the headless mark.
    static func labels(service: JSONValue) -> [String: String] {
        var labels = service.labels
        labels[ServiceLabels.skipMirror] = "true"
        if service.isHeadlessService { labels[ServiceLabels.headless] = "" }
        return labels
    }
}
