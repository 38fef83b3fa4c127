import KubeAPI

/// The arithmetic of Deployment rollouts, as kube-controller-manager does it.
enum RolloutMath {
    static let hashLabel = "pod-template-hash"
    static let revisionAnnotation = "deployment.kubernetes.io/revision"
    static let desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
    static let maxReplicasAnnotation = "deployment.kubernetes.io/max-replicas"

    /// `pod-template-hash`: FNV-32a of the template (and the collision count), as a decimal
    /// string passed through Kubernetes' SafeEncodeString.
    static func templateHash(_ template: JSONValue, collisionCount: Int64) -> String {
        var hash: UInt32 = 2_166_136_261
        func add(_ bytes: [UInt8]) {
            for byte in bytes {
                hash ^= UInt32(byte)
                hash = hash &* 16_777_619
            }
        }
        add(template.serialized())
        if collisionCount > 0 { add(Array(String(collisionCount).utf8)) }
        return NameSuffix.safeEncode(String(hash))
    }

    /// A ReplicaSet's template without the hash label, to compare with the Deployment's.
    static func templateWithoutHash(_ template: JSONValue) -> JSONValue {
        var t = template
        t["metadata"]["labels"][hashLabel] = nil
        if t["metadata"]["labels"].objectValue?.isEmpty == true { t["metadata"]["labels"] = nil }
        return t
    }

    /// An int-or-percent of `total`; percentages round up for surge, down for unavailability.
    static func resolve(_ value: JSONValue, total: Int, roundUp: Bool, defaultValue: String = "25%") -> Int {
        let v = value.isNull ? JSONValue.string(defaultValue) : value
        if let i = v.intValue { return Int(i) }
        guard let s = v.stringValue, s.hasSuffix("%"), let percent = Int(s.dropLast()) else { return 0 }
        let exact = total * percent
        return roundUp ? (exact + 99) / 100 : exact / 100
    }

    /// (maxSurge, maxUnavailable) of a RollingUpdate deployment; both 0 would deadlock,
    /// so unavailability becomes 1 then.
    static func surgeAndUnavailable(_ deployment: JSONValue) -> (surge: Int, unavailable: Int) {
        let replicas = Int(deployment["spec"]["replicas"].intValue ?? 1)
        let rolling = deployment["spec"]["strategy"]["rollingUpdate"]
        let surge = resolve(rolling["maxSurge"], total: replicas, roundUp: true)
        var unavailable = resolve(rolling["maxUnavailable"], total: replicas, roundUp: false)
        if surge == 0 && unavailable == 0 { unavailable = 1 }
        return (surge, min(unavailable, replicas))
    }

    static func revision(_ rs: JSONValue) -> Int64 { Int64(rs.annotations[revisionAnnotation] ?? "") ?? 0 }
    static func specReplicas(_ rs: JSONValue) -> Int { Int(rs["spec"]["replicas"].intValue ?? 0) }
    static func availableReplicas(_ rs: JSONValue) -> Int { Int(rs["status"]["availableReplicas"].intValue ?? 0) }

    /// Replicas the new ReplicaSet may have now: up to `replicas + maxSurge` pods in total.
    static func newReplicaSetReplicas(deployment: JSONValue, all: [JSONValue], new: JSONValue) -> Int {
        let replicas = Int(deployment["spec"]["replicas"].intValue ?? 1)
        let current = all.reduce(0) { $0 + specReplicas($1) }
        let maxTotal = replicas + surgeAndUnavailable(deployment).surge
        let newCount = specReplicas(new)
        if current >= maxTotal { return newCount }
        return newCount + min(maxTotal - current, max(replicas - newCount, 0))
    }
}
