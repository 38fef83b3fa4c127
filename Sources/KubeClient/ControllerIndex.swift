import KubeAPI

/// An informer's index of its objects by controller (the owner reference with
/// `controller: true`), plus the orphans of each namespace: what a workload controller
/// needs to find its children and the objects it may adopt without scanning the whole
/// namespace (client-go controllers do the same with an indexer).
struct ControllerIndex {
    private var byController: [String: Set<ObjectKey>] = [:]
    private var orphans: [String: Set<ObjectKey>] = [:]

    static func controllerUID(_ object: JSONValue) -> String? {
        (object["metadata"]["ownerReferences"].arrayValue ?? []).first { $0["controller"].boolValue == true }?["uid"].stringValue
    }

    mutating func insert(_ object: JSONValue) {
        let key = ObjectKey(object)
        if let uid = Self.controllerUID(object) {
            byController[uid, default: []].insert(key)
        } else {
            orphans[key.namespace, default: []].insert(key)
        }
    }

    mutating func remove(_ object: JSONValue) {
        let key = ObjectKey(object)
        if let uid = Self.controllerUID(object) {
            byController[uid]?.remove(key)
            if byController[uid]?.isEmpty == true { byController[uid] = nil }
        } else {
            orphans[key.namespace]?.remove(key)
            if orphans[key.namespace]?.isEmpty == true { orphans[key.namespace] = nil }
        }
    }

    mutating func replace(_ old: JSONValue?, with new: JSONValue) {
        if let old { remove(old) }
        insert(new)
    }

    func controlled(by uid: String) -> Set<ObjectKey> { byController[uid] ?? [] }
    func orphans(namespace: String) -> Set<ObjectKey> { orphans[namespace] ?? [] }
}
