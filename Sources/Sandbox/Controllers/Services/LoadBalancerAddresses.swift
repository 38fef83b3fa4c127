import KubeClient

/// Which load-balancer IP each Service holds: `<prefix>.<n>` with n in 2...254, never
/// the same for two Services, the lowest free one for a newcomer.
struct LoadBalancerAddresses: Sendable {
    static let hosts = 2...254

    let prefix: String
    private var owners: [Int: ObjectKey] = [:]
    private var assigned: [ObjectKey: Int] = [:]

    init(prefix: String) { self.prefix = prefix }

    /// The host number of `ip` when it is one of this sandbox's load-balancer IPs.
    func host(of ip: String) -> Int? {
        guard ip.hasPrefix(prefix + "."), let n = Int(ip.dropFirst(prefix.count + 1)), Self.hosts.contains(n) else { return nil }
        return n
    }

    func ip(_ host: Int) -> String { "\(prefix).\(host)" }

    func address(of key: ObjectKey) -> String? { assigned[key].map(ip) }

    /// Takes `ip` for `key` if it is ours and free; false otherwise.
    mutating func claim(_ ip: String, for key: ObjectKey) -> Bool {
        guard let n = host(of: ip) else { return false }
        if let owner = owners[n] { return owner == key && assigned[key] == n }
        if assigned[key] != nil { return false }
        owners[n] = key
        assigned[key] = n
        return true
    }

    /// The IP of `key`: the one it holds, else the first free of `preferred`, else the
    /// lowest free; nil when all are taken.
    mutating func assign(_ key: ObjectKey, preferring preferred: [String] = []) -> String? {
        if let held = address(of: key) { return held }
        for candidate in preferred where claim(candidate, for: key) { return candidate }
        guard let free = Self.hosts.first(where: { owners[$0] == nil }) else { return nil }
        owners[free] = key
        assigned[key] = free
        return ip(free)
    }

    mutating func release(_ key: ObjectKey) {
        guard let n = assigned.removeValue(forKey: key) else { return }
        owners[n] = nil
    }
}
