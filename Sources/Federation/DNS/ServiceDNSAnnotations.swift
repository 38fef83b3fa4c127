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

    /// Opts a federated networking.k8s.io/v1 Ingress into DNS names (value `true`).
    public static let ingressDNS = "federation.meridian.dev/ingress-dns"

    /// Whether a federated Service gets DNS names: type LoadBalancer, not being deleted.
    public static func wantsDNS(_ service: JSONValue) -> Bool {
        wantsDNS(.services, service)
    }

    /// Whether a federated object gets DNS names: a Service of type LoadBalancer, or an
    /// Ingress with `ingressDNS: "true"`; not being deleted.
    public static func wantsDNS(_ type: ResourceType, _ object: JSONValue) -> Bool {
        guard object["metadata"]["deletionTimestamp"].isNull else { return false }
        switch type {
        case .services: return object["spec"]["type"].stringValue == "LoadBalancer"
        case .ingresses: return object["metadata"]["annotations"][ingressDNS].stringValue?.lowercased() == "true"
        default: return false
        }
    }

    /// The DNS view of a federated Service (or Ingress): its settings from annotations
    /// (falling back to `defaultTTL` and TCP probes of the Service's first TCP port, or
    /// of the Ingress's port 80, 443 when it has TLS) and each member's ingress.
    public static func endpoints(
        of service: JSONValue, type: ResourceType = .services, defaultTTL: UInt32, clusters: [Cluster],
        ingress: (_ cluster: String) -> [JSONValue]
    ) -> ServiceEndpoints? {
        let annotations = service["metadata"]["annotations"]
        func number(_ key: String) -> Int? { annotations[key].stringValue.flatMap { Int($0) } }
        let defaultPort: Int?
        var secure = false
        if type == .ingresses {
            secure = !(service["spec"]["tls"].arrayValue ?? []).isEmpty
            defaultPort = secure ? 443 : 80
        } else {
            let firstPort = (service["spec"]["ports"].arrayValue ?? []).first { ($0["protocol"].stringValue ?? "TCP") == "TCP" }
            defaultPort = firstPort?["port"].intValue.map(Int.init)
        }
        guard let port = number(Self.port) ?? defaultPort else { return nil }
        let path = annotations[Self.path].stringValue
        let check: HealthCheck
        switch annotations[Self.protocolKey].stringValue?.lowercased() ?? (path == nil ? "tcp" : secure ? "https" : "http") {
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
