import KubeAPI
import KubeClient

/// Adopting orphans, as kube-controller-manager's ControllerRefManager does: an object
/// that matches a controller's selector and has no controller of its own gets the
/// controller's reference (so re-creating a set deleted with `--cascade=orphan` takes its
/// pods back).
enum ControllerRefs {
    /// The objects `owner` controls, after adopting the matching orphans among `objects`.
    static func claim(_ objects: [JSONValue], type: ResourceType, owner: JSONValue, selector: LabelSelector, client: KubeClient)
        async throws(KubeClientError) -> [JSONValue]
    {
        var owned: [JSONValue] = []
        for object in objects {
            if object.isControlled(by: owner) {
                owned.append(object)
            } else if object.controllerReference == nil, !object.isDeleting, !owner.isDeleting, selector.matches(object.labels) {
                if let adopted = try await adopt(object, type: type, by: owner, client: client) { owned.append(adopted) }
            }
        }
        return owned
    }

    /// Adds the controller reference, guarded by the object's UID; nil if it changed or went away.
    static func adopt(_ object: JSONValue, type: ResourceType, by owner: JSONValue, client: KubeClient)
        async throws(KubeClientError) -> JSONValue?
    {
        var refs = object.ownerReferences
        refs.append(owner.ownerReference())
        let patch: JSONValue = ["metadata": ["ownerReferences": .array(refs), "uid": .string(object.uid)]]
        do {
            return try await client.patch(type, namespace: object.namespace, name: object.name, patch, as: .strategicMerge)
        } catch {
            if error.isNotFound || error.isConflict { return nil }
            throw error
        }
    }
}
