import KubeAPI
import KubeClient
import Synchronization

/// An object the garbage collector tracks: its resource type and key.
struct ObjectRef: Hashable, Sendable, CustomStringConvertible {
    var type: ResourceType
    var key: ObjectKey
    var description: String { "\(type)/\(key)" }
}

/// Who owns whom, by UID, across every resource type the collector watches; fed by
/// informer handlers (hence a `Mutex`: handlers are synchronous).
final class OwnerGraph: Sendable {
    private struct State {
        var objects: [String: ObjectRef] = [:]
        var owners: [String: [String]] = [:]
        var dependents: [String: Set<String>] = [:]
    }
    private let state = Mutex(State())

    /// Records an object and its owners; returns the refs of the owners known now.
    func upsert(_ object: JSONValue, ref: ObjectRef) {
        let uid = object.uid
        let ownerUIDs = object.ownerReferences.compactMap { $0["uid"].stringValue }
        state.withLock { s in
            s.objects[uid] = ref
            for old in s.owners[uid] ?? [] where !ownerUIDs.contains(old) {
                s.dependents[old]?.remove(uid)
                if s.dependents[old]?.isEmpty == true { s.dependents[old] = nil }
            }
            for owner in ownerUIDs { s.dependents[owner, default: []].insert(uid) }
            s.owners[uid] = ownerUIDs.isEmpty ? nil : ownerUIDs
        }
    }

    /// Forgets a deleted object; returns the refs of its dependents and of its owners,
    /// which both need another look.
    func remove(uid: String) -> [ObjectRef] {
        state.withLock { s in
            s.objects[uid] = nil
            var affected: [ObjectRef] = []
            for owner in s.owners.removeValue(forKey: uid) ?? [] {
                s.dependents[owner]?.remove(uid)
                if s.dependents[owner]?.isEmpty == true { s.dependents[owner] = nil }
                if let ref = s.objects[owner] { affected.append(ref) }
            }
            // The dependents stay recorded under this UID until they go (so their own
            // removal finds it); once none is known any more, drop the entry.
            let dependents = s.dependents[uid] ?? []
            for dependent in dependents {
                if let ref = s.objects[dependent] { affected.append(ref) }
            }
            if dependents.allSatisfy({ s.objects[$0] == nil }) { s.dependents[uid] = nil }
            return affected
        }
    }

    func ref(uid: String) -> ObjectRef? { state.withLock { $0.objects[uid] } }

    func dependents(of uid: String) -> [ObjectRef] {
        state.withLock { s in (s.dependents[uid] ?? []).compactMap { s.objects[$0] } }
    }

    /// The refs of an object's owners that are known.
    func owners(of uid: String) -> [ObjectRef] {
        state.withLock { s in (s.owners[uid] ?? []).compactMap { s.objects[$0] } }
    }
}
