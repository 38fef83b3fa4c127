/// What a sandbox cluster looks like and how fast it moves.
public struct SandboxConfiguration: Sendable {
    /// Cluster name: node names, event sources and load-balancer answers carry it.
    public var name: String
    public var region: String
    public var zone: String
    public var nodeCount: Int
    /// Per-node capacity.
    public var nodeCPU: String = "4"
    public var nodeMemory: String = "16Gi"
    public var nodePods: Int = 110
    /// How long the simulated kubelet takes from binding to Running/Ready.
    public var podStartDelay: Duration = .milliseconds(300)
    /// How long a Job's pod runs before it succeeds.
    public var jobDuration: Duration = .seconds(2)
    /// Node heartbeat (Lease renewal) interval.
    public var heartbeatInterval: Duration = .seconds(10)
    /// The first three octets of the loopback /24 load-balancer IPs come from, e.g. "127.42.7".
    public var loadBalancerPrefix: String
    /// The cluster CA certificate, published in every namespace as `kube-root-ca.crt`.
    public var caCertificatePEM: String = ""
    /// The first two octets of pod IPs, one /24 per node, e.g. "10.244".
    public var podNetworkPrefix: String = "10.244"

    public init(name: String, region: String, zone: String, nodeCount: Int = 3, loadBalancerPrefix: String) {
        self.name = name
        self.region = region
        self.zone = zone
        self.nodeCount = nodeCount
        self.loadBalancerPrefix = loadBalancerPrefix
    }

    /// A loopback /24 derived from the cluster name (FNV-1a), so sandboxes started
    /// separately get different load-balancer addresses: 127.A.B.x with A in 100...227.
    public static func loadBalancerPrefix(forName name: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in name.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return "127.\(100 + hash % 128).\((hash >> 8) % 256)"
    }

    public func nodeName(_ index: Int) -> String { "\(name)-node-\(index)" }

    /// A node's InternalIP (informational: nothing listens there), as kind numbers them.
    public func nodeIP(_ index: Int) -> String { "172.18.\(index / 250).\(index % 250 + 2)" }

    /// The 1-based index of one of this sandbox's nodes, from its name.
    public func nodeIndex(_ nodeName: String) -> Int? {
        let prefix = "\(name)-node-"
        guard nodeName.hasPrefix(prefix), let index = Int(nodeName.dropFirst(prefix.count)), (1...nodeCount).contains(index) else {
            return nil
        }
        return index
    }
}
