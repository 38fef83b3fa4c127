import DNSWire
import FederationAPI
import KubeAPI
import KubeClient

/// The annotations of a federated Service that tune its DNS records and probes.
public enum ServiceDNSAnnotations {
    public static let ttl = "federation.meridian.dev/dns-ttl"
    public static let protocolKey = "federation.meridian.dev/health-check-protocol"
    public static let path = "federation.meridian.dev/health-check-path"
    public static let status = "federation.meridian.dev/health-check-status"
    public static let port = "federation.meridian.dev/health-check-port"
    public static let interval = "federation.meridian.dev/health-check-interval-seconds"
    public static let failureThreshold = "federation.meridian.dev/health-check-failure-threshold"
    public static let successThreshold = "federation.meridian.dev/health-check-success-threshold"

    /// Whether a federated Service gets DNS names: type LoadBalancer, not being deleted.
    public static func wantsDNS(_ service: JSONValue) -> Bool {
        service["spec"]["type"].stringValue == "LoadBalancer" && service["metadata"]["deletionTimestamp"].isNull
    }

    /// The DNS view of a federated Service: its settings from annotations (falling back to
    /// `defaultTTL` and TCP probes of the first TCP port) and each member's ingress.
    public static func endpoints(
        of service: JSONValue, defaultTTL: UInt32, clusters: [Cluster], ingress: (_ cluster: String) -> [JSONValue]
    ) -> ServiceEndpoints? {
        let annotations = service["metadata"]["annotations"]
        func number(_ key: String) -> Int? { annotations[key].stringValue.flatMap { Int($0) } }
        let firstPort = (service["spec"]["ports"].arrayValue ?? []).first { ($0["protocol"].stringValue ?? "TCP") == "TCP" }
        guard let port = number(Self.port) ?? firstPort?["port"].intValue.map(Int.init) else { return nil }
        let path = annotations[Self.path].stringValue
        let check: HealthCheck
        switch annotations[Self.protocolKey].stringValue?.lowercased() ?? (path == nil ? "tcp" : "http") {
        case "http": check = .http(path: path ?? "/", expectedStatus: number(Self.status) ?? 200, tls: false)
        case "https": check = .http(path: path ?? "/", expectedStatus: number(Self.status) ?? 200, tls: true)
        default: check = .tcp
        }
        var policy = ProbePolicy()
        if let seconds = number(Self.interval), seconds > 0 {
            policy.interval = .seconds(seconds)
            policy.timeout = min(.seconds(seconds) * 0.8, .seconds(2))
        }
        if let n = number(Self.failureThreshold), n > 0 { policy.failureThreshold = n }
        if let n = number(Self.successThreshold), n > 0 { policy.successThreshold = n }
        let ttl = number(Self.ttl).flatMap { $0 >= 0 ? UInt32(clamping: $0) : nil } ?? defaultTTL
        let members = clusters.sorted { $0.name < $1.name }.compactMap { cluster -> ServiceEndpoints.Member? in
            var member = ServiceEndpoints.Member(cluster: cluster.name, region: cluster.region, zone: cluster.zone)
            for entry in ingress(cluster.name) {
                if let ip = entry["ip"].stringValue {
                    if let v4 = try? IPv4Address(ip) {
                        member.ipv4.append(v4)
                    } else if let v6 = try? IPv6Address(ip) {
                        member.ipv6.append(v6)
                    }
                } else if let hostname = entry["hostname"].stringValue, let name = try? DNSName(hostname) {
                    member.hostnames.append(name)
                }
            }
            return member.ipv4.isEmpty && member.ipv6.isEmpty && member.hostnames.isEmpty ? nil : member
        }
        return ServiceEndpoints(service: ObjectKey(service), ttl: ttl, port: port, check: check, policy: policy, members: members)
    }
}
