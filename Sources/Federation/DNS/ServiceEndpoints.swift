import DNSWire
import KubeClient

/// How an endpoint is judged alive.
public enum HealthCheck: Hashable, Sendable, CustomStringConvertible {
    /// A TCP connection is accepted.
    case tcp
    /// `GET path` answers `expectedStatus` (over TLS, certificate unchecked, when `tls`).
    case http(path: String, expectedStatus: Int, tls: Bool)

    public var description: String {
        switch self {
        case .tcp: return "tcp"
        case .http(let path, let status, let tls): return "\(tls ? "https" : "http") GET \(path) = \(status)"
        }
    }
}

/// Timing of the probes of one endpoint.
public struct ProbePolicy: Hashable, Sendable {
    public var interval: Duration = .seconds(1)
    public var timeout: Duration = .milliseconds(800)
    /// Consecutive failures that withdraw a healthy endpoint.
    public var failureThreshold = 2
    /// Consecutive successes that restore a withdrawn one.
    public var successThreshold = 2

    public init() {}
}

/// One thing to probe: an ingress address, a port and how to check it.
public struct ProbeTarget: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var check: HealthCheck

    public init(host: String, port: Int, check: HealthCheck = .tcp) {
        self.host = host
        self.port = port
        self.check = check
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// A federated LoadBalancer Service as DNS sees it: its names' TTL, how its endpoints are
/// probed, and every member's ingress with where that member runs.
public struct ServiceEndpoints: Hashable, Sendable {
    public struct Member: Hashable, Sendable {
        public var cluster: String
        public var region: String?
        public var zone: String?
        public var ipv4: [IPv4Address]
        public var ipv6: [IPv6Address]
        public var hostnames: [DNSName]

        public init(
            cluster: String, region: String?, zone: String?, ipv4: [IPv4Address] = [], ipv6: [IPv6Address] = [],
            hostnames: [DNSName] = []
        ) {
            self.cluster = cluster
            self.region = region
            self.zone = zone
            self.ipv4 = ipv4
            self.ipv6 = ipv6
            self.hostnames = hostnames
        }
    }

    public var service: ObjectKey
    public var ttl: UInt32
    public var port: Int
    public var check: HealthCheck
    public var policy: ProbePolicy
    public var members: [Member]

    public init(
        service: ObjectKey, ttl: UInt32, port: Int, check: HealthCheck = .tcp, policy: ProbePolicy = ProbePolicy(), members: [Member]
    ) {
        self.service = service
        self.ttl = ttl
        self.port = port
        self.check = check
        self.policy = policy
        self.members = members
    }

    /// The probe targets of a member: each of its addresses (hostnames are not probed).
    public func targets(of member: Member) -> [ProbeTarget] {
        member.ipv4.map { ProbeTarget(host: $0.description, port: port, check: check) }
            + member.ipv6.map { ProbeTarget(host: $0.description, port: port, check: check) }
    }
}
