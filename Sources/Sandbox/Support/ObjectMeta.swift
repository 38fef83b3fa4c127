import KubeAPI
import KubeClient

/// Reading and writing the metadata fields controllers care about.
extension JSONValue {
    var name: String { self["metadata"]["name"].stringValue ?? "" }
    var namespace: String { self["metadata"]["namespace"].stringValue ?? "" }
    var uid: String { self["metadata"]["uid"].stringValue ?? "" }
    var labels: [String: String] { (self["metadata"]["labels"].objectValue ?? [:]).compactMapValues(\.stringValue) }
    var annotations: [String: String] { (self["metadata"]["annotations"].objectValue ?? [:]).compactMapValues(\.stringValue) }
    var isDeleting: Bool { !self["metadata"]["deletionTimestamp"].isNull }
    var generation: Int64 { self["metadata"]["generation"].intValue ?? 0 }
    var finalizers: [String] { (self["metadata"]["finalizers"].arrayValue ?? []).compactMap(\.stringValue) }
    var ownerReferences: [JSONValue] { self["metadata"]["ownerReferences"].arrayValue ?? [] }

    /// The owner reference with `controller: true`, if any.
    var controllerReference: JSONValue? { ownerReferences.first { $0["controller"].boolValue == true } }

    func isControlled(by owner: JSONValue) -> Bool { controllerReference?["uid"].stringValue == owner.uid }

    /// An owner reference to this object, as a controller sets on what it creates.
    func ownerReference(controller: Bool = true, blockOwnerDeletion: Bool = true) -> JSONValue {
        [
            "apiVersion": self["apiVersion"], "kind": self["kind"], "name": .string(name), "uid": .string(uid),
            "controller": .bool(controller), "blockOwnerDeletion": .bool(blockOwnerDeletion),
        ]
    }

    /// `spec.selector` as a label selector; nil when missing or invalid (matches nothing).
    var specSelector: LabelSelector? {
        let selector = self["spec"]["selector"]
        guard !selector.isNull else { return nil }
        return try? LabelSelector.from(object: selector)
    }

    /// A condition of `status.conditions` by type.
    func condition(_ type: String) -> JSONValue? {
        (self["status"]["conditions"].arrayValue ?? []).first { $0["type"].stringValue == type }
    }
}

/// Random suffixes as Kubernetes makes them (no vowels, no confusable digits).
enum NameSuffix {
    static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    static func random(_ length: Int = 5) -> String {
        String((0..<length).map { _ in alphabet.randomElement()! })
    }

    /// Kubernetes' `rand.SafeEncodeString`: each character mapped into the alphabet.
    static func safeEncode(_ s: String) -> String {
        String(s.utf8.map { alphabet[Int($0) % alphabet.count] })
    }
}

/// Condition lists: set one condition, keeping lastTransitionTime when the status did not change.
enum Conditions {
    static func set(
        _ conditions: [JSONValue], type: String, status: Bool, reason: String, message: String, now: String,
        extra: [String: JSONValue] = [:]
    ) -> [JSONValue] {
        var list = conditions
        let statusText = status ? "True" : "False"
        var condition: JSONValue = [
            "type": .string(type), "status": .string(statusText), "reason": .string(reason), "message": .string(message),
            "lastTransitionTime": .string(now),
        ]
        for (k, v) in extra { condition[k] = v }
        if let i = list.firstIndex(where: { $0["type"].stringValue == type }) {
            if list[i]["status"].stringValue == statusText { condition["lastTransitionTime"] = list[i]["lastTransitionTime"] }
            list[i] = condition
        } else {
            list.append(condition)
        }
        return list
    }
}
