import KubeAPI

/// The `/scale` subresource: an `autoscaling/v1` Scale view of a workload's replicas.
enum ScaleSubresource {
    static func paths(_ def: ResourceDefinition) -> ResourceDefinition.ScalePaths {
        def.scale ?? .init(specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas", labelSelectorPath: nil)
    }

    static func path(_ jsonPath: String) -> [String] {
        jsonPath.split(separator: ".").map(String.init)
    }

    static func scale(of object: JSONValue, _ def: ResourceDefinition) throws(StatusError) -> JSONValue {
        let p = paths(def)
        var selector = ""
        if let lp = p.labelSelectorPath {
            selector = object.value(at: path(lp)).stringValue ?? ""
        } else if !object["spec"]["selector"].isNull {
            selector = Cells.selectorString(object["spec"]["selector"])
        }
        var status: JSONValue = ["replicas": .int(object.value(at: path(p.statusReplicasPath)).intValue ?? 0)]
        if !selector.isEmpty { status["selector"] = .string(selector) }
        let meta = object["metadata"]
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": [
                "name": meta["name"], "namespace": meta["namespace"], "uid": meta["uid"],
                "resourceVersion": meta["resourceVersion"], "creationTimestamp": meta["creationTimestamp"],
            ],
            "spec": ["replicas": .int(object.value(at: path(p.specReplicasPath)).intValue ?? 0)],
            "status": status,
        ]
    }

    static func applyScale(_ scale: JSONValue, to object: JSONValue, _ def: ResourceDefinition) throws(StatusError) -> JSONValue {
        guard let replicas = scale["spec"]["replicas"].intValue else {
            throw StatusError.invalid(
                kind: "Scale", group: "autoscaling", name: object["metadata"]["name"].stringValue ?? "",
                causes: [.required("spec.replicas")])
        }
        if replicas < 0 {
            throw StatusError.invalid(
                kind: "Scale", group: "autoscaling", name: object["metadata"]["name"].stringValue ?? "",
                causes: [.invalid("spec.replicas", .int(replicas), "must be greater than or equal to 0")])
        }
        var updated = object
        updated.setValue(.int(replicas), at: path(paths(def).specReplicasPath))
        // The Scale's resourceVersion is a precondition on the object.
        updated["metadata"]["resourceVersion"] = scale["metadata"]["resourceVersion"]
        return updated
    }
}
