import Foundation
import KubeAPI
import KubeClient

/// ControllerRevisions of StatefulSets and DaemonSets, as kube-controller-manager keeps
/// them: a snapshot of the pod template per distinct template, named `<owner>-<hash>`,
/// numbered in `revision` (a template used again becomes the newest revision, as after
/// `kubectl rollout undo`), trimmed to `revisionHistoryLimit`.
struct ControllerHistory {
    static let hashLabel = "controller.kubernetes.io/hash"

    let client: KubeClient
    let revisions: Informer

    /// What a revision stores: a strategic merge patch that puts the template back.
    static func data(template: JSONValue) -> JSONValue {
        var t = template
        t["$patch"] = "replace"
        return ["spec": ["template": t]]
    }

    /// The pod template a revision stores.
    static func template(of revision: JSONValue) -> JSONValue {
        var t = revision["data"]["spec"]["template"]
        t["$patch"] = nil
        return t
    }

    static func number(_ revision: JSONValue) -> Int64 { revision["revision"].intValue ?? 0 }

    /// The hash part of a revision's name (`<owner>-<hash>`).
    static func hash(_ revision: JSONValue) -> String {
        revision.labels[hashLabel] ?? String(revision.name.split(separator: "-").last ?? "")
    }

    /// The owner's revisions (adopting orphans its selector matches), oldest first.
    func owned(by owner: JSONValue, selector: LabelSelector) async throws(KubeClientError) -> [JSONValue] {
        let all = await revisions.list(namespace: owner.namespace)
        return try await ControllerRefs.claim(all, type: .controllerRevisions, owner: owner, selector: selector, client: client).sorted {
            (Self.number($0), $0.name) < (Self.number($1), $1.name)
        }
    }

    /// The revision of `owner`'s current template, creating or renumbering it as needed.
    /// Nil when the name collided with a different template: `status.collisionCount` was
    /// bumped (which changes the hash) and the caller should try again.
    func revision(for owner: JSONValue, type: ResourceType, existing: [JSONValue]) async throws -> JSONValue? {
        let template = owner["spec"]["template"]
        let data = Self.data(template: template)
        let newest = existing.map(Self.number).max() ?? 0
        if let match = existing.last(where: { $0["data"] == data }) {
            guard Self.number(match) < newest else { return match }
            var renumbered = match
            renumbered["revision"] = .int(newest + 1)
            return try await client.update(.controllerRevisions, renumbered)
        }
        let collisions = owner["status"]["collisionCount"].intValue ?? 0
        let hash = RolloutMath.templateHash(template, collisionCount: collisions)
        var labels = template["metadata"]["labels"].objectValue ?? [:]
        labels[Self.hashLabel] = .string(hash)
        let revision: JSONValue = [
            "apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": [
                "name": .string("\(owner.name)-\(hash)"), "namespace": .string(owner.namespace), "labels": .object(labels),
                "ownerReferences": [owner.ownerReference()],
            ],
            "data": data, "revision": .int(newest + 1),
        ]
        do {
            return try await client.create(.controllerRevisions, namespace: owner.namespace, revision)
        } catch {
            guard error.isAlreadyExists else { throw error }
            let found = try await client.get(.controllerRevisions, namespace: owner.namespace, name: "\(owner.name)-\(hash)")
            if found.isControlled(by: owner), found["data"] == data { return found }
            var updated = owner
            updated["status"]["collisionCount"] = .int(collisions + 1)
            _ = try await client.update(type, updated, subresource: "status")
            return nil
        }
    }

    /// Deletes the oldest revisions beyond `limit`, never one in `live` (by name).
    func truncate(_ existing: [JSONValue], live: Set<String>, limit: Int) async throws {
        let old = existing.filter { !live.contains($0.name) }
        guard old.count > limit else { return }
        for revision in old.prefix(old.count - limit) {
            try await client.deleteIfExists(
                .controllerRevisions, namespace: revision.namespace, name: revision.name,
                options: DeleteOptions(preconditionUID: revision.uid))
        }
    }
}
