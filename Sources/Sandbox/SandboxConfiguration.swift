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
    /// The controllers that run (`--controllers`); all by default.
    public var components: Set<SandboxComponent> = Set(SandboxComponent.allCases)
    /// Node heartbeat (Lease renewal) interval.
    public var heartbeatInterval: Duration = .seconds(10)
    /// The first three octets of the loopback /24 load-balancer IPs come from, e.g. "127.42.7".
    public var loadBalancerPrefix: String
    /// Pods whose container image has this repository (any tag) run as real processes of
    /// `executablePath` (Meridian's own image); all others are simulated.
    public var processImage: String = "ghcr.io/meridian-dev/meridian"
    /// The `meridian` binary process pods run.
    public var executablePath: String = "/proc/self/exe"
    /// Where pod directories (logs, volumes) and claim storage live; nil: no process pods.
    public var dataDirectory: String?
    /// The sandbox API server's URL, given to process pods as KUBERNETES_SERVICE_HOST/PORT.
    public var apiServerHost: String = "127.0.0.1"
    public var apiServerPort: Int = 0
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

    /// A loopback /24 for process pods' IPs (they listen there for real), next to the
    /// load-balancer one.
    public var processPodPrefix: String {
        let parts = loadBalancerPrefix.split(separator: ".")
        guard parts.count == 3, let third = Int(parts[2]) else { return "127.1.1" }
        return "\(parts[0]).\(parts[1]).\((third + 128) % 256)"
    }

    /// Whether `image` is Meridian's own (runs as a process).
    public func runsAsProcess(image: String) -> Bool {
        guard dataDirectory != nil else { return false }
        return Self.repository(of: image) == Self.repository(of: processImage)
    }

    /// `registry/repo` of an image reference, without tag or digest.
    static func repository(of image: String) -> String {
        var s = Substring(image)
        if let at = s.firstIndex(of: "@") { s = s[..<at] }
        if let colon = s.lastIndex(of: ":"), !s[colon...].contains("/") { s = s[..<colon] }
        return String(s)
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
