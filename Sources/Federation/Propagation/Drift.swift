import KubeAPI
import KubeClient

/// Where a member copy differs from what the federation applies: the paths of the
/// desired copy's fields whose value in the member is different (objects field by field,
/// lists item by item when their lengths match). Fields the member adds (defaults, status, controllers'
/// annotations) are not drift.
enum Drift {
    static func paths(desired: JSONValue, actual: JSONValue, limit: Int = 8) -> [String] {
        var out: [String] = []
        func walk(_ d: JSONValue, _ a: JSONValue, _ path: String) {
            guard out.count < limit else { return }
            if let object = d.objectValue {
                for key in object.keys.sorted() {
                    if path.isEmpty && ["apiVersion", "kind", "status"].contains(key) { continue }
                    walk(object[key]!, a[key], path.isEmpty ? key : "\(path).\(key)")
                }
            } else if let items = d.arrayValue, let actual = a.arrayValue, items.count == actual.count {
                // Item by item, so fields members add to list items (a Service port's nodePort) are not drift.
                for (i, item) in items.enumerated() { walk(item, actual[i], "\(path)[\(i)]") }
            } else if d != a, !(d.isNull && a.isNull) {
                out.append(path)
            }
        }
        walk(desired, actual, "")
        return out
    }
}

/// Which copies Meridian has applied (cluster, type, key), so a missing copy is known to
/// have been deleted rather than never made.
actor PropagationLedger {
    private var applied: Set<String> = []

    static func entry(_ cluster: String, _ key: FederatedKey) -> String { "\(cluster)|\(key)" }

    func record(_ cluster: String, _ key: FederatedKey) { applied.insert(Self.entry(cluster, key)) }
    func forget(_ cluster: String, _ key: FederatedKey) { applied.remove(Self.entry(cluster, key)) }
    func contains(_ cluster: String, _ key: FederatedKey) -> Bool { applied.contains(Self.entry(cluster, key)) }
}
