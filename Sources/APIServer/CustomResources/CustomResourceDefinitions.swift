import Foundation
import KubeAPI

/// Turns CustomResourceDefinitions into served resources, and validates CRDs themselves.
enum CustomResourceDefinitions {
    /// The resource definitions a CRD serves (one per served version).
    static func definitions(from crd: JSONValue) -> [ResourceDefinition] {
        let spec = crd["spec"]
        let group = spec["group"].stringValue ?? ""
        let names = spec["names"]
        let plural = names["plural"].stringValue ?? ""
        let kind = names["kind"].stringValue ?? ""
        let namespaced = spec["scope"].stringValue != "Cluster"
        let versions = spec["versions"].arrayValue ?? []
        let storageVersion = versions.first { $0["storage"].boolValue == true }?["name"].stringValue ?? ""
        return versions.filter { $0["served"].boolValue == true }.map { v in
            let version = v["name"].stringValue ?? ""
            var subresources: [String] = []
            if !v["subresources"]["status"].isNull { subresources.append("status") }
            if !v["subresources"]["scale"].isNull { subresources.append("scale") }
            let schema = v["schema"]["openAPIV3Schema"]
            var d = ResourceDefinition(
                group: group, version: version, resource: plural, kind: kind, namespaced: namespaced,
                shortNames: (names["shortNames"].arrayValue ?? []).compactMap(\.stringValue),
                categories: (names["categories"].arrayValue ?? []).compactMap(\.stringValue),
                subresources: subresources, storageResource: "\(group)/\(plural)", tracksGeneration: true)
            d.singular = names["singular"].stringValue ?? kind.lowercased()
            d.isCustom = true
            d.storageVersion = storageVersion
            d.schema = schema.isNull ? nil : withMetadata(schema)
            if let scale = v["subresources"]["scale"].objectValue {
                d.scale = .init(
                    specReplicasPath: scale["specReplicasPath"]?.stringValue ?? ".spec.replicas",
                    statusReplicasPath: scale["statusReplicasPath"]?.stringValue ?? ".status.replicas",
                    labelSelectorPath: scale["labelSelectorPath"]?.stringValue)
            }
            d.printer = printer(v["additionalPrinterColumns"].arrayValue ?? [])
            let rawSchema = schema
            d.defaulter = { o in
                guard !rawSchema.isNull else { return }
                StructuralSchema.applyDefaults(&o, schema: rawSchema)
            }
            d.validator = { o, _ in
                guard !rawSchema.isNull else { return [] }
                var body = o
                body["metadata"] = .null
                body["apiVersion"] = .null
                body["kind"] = .null
                var schemaWithoutMeta = rawSchema
                schemaWithoutMeta["required"] =
                    (rawSchema["required"].arrayValue?.filter { !["metadata", "apiVersion", "kind"].contains($0.stringValue ?? "") }).map {
                        .array($0)
                    } ?? .null
                return StructuralSchema.validate(body, schema: schemaWithoutMeta, path: "")
            }
            return d
        }
    }

    /// CR schemas describe metadata loosely; pruning must keep ObjectMeta intact.
    static func withMetadata(_ schema: JSONValue) -> JSONValue {
        var s = schema
        s["properties"]["metadata"] = ["$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]
        s["properties"]["apiVersion"] = ["type": "string"]
        s["properties"]["kind"] = ["type": "string"]
        return s
    }

    static func printer(_ columns: [JSONValue]) -> TablePrinter {
        if columns.isEmpty {
            return TablePrinter(columns: [Cells.nameColumn, Cells.ageColumn], cells: { [Cells.name($0), Cells.age($0)] })
        }
        var defs = [Cells.nameColumn]
        var extractors: [@Sendable (JSONValue) -> JSONValue] = [{ Cells.name($0) }]
        for c in columns {
            let name = c["name"].stringValue ?? ""
            let type = c["type"].stringValue ?? "string"
            defs.append(
                TableColumn(
                    name, type, format: c["format"].stringValue ?? "", priority: Int(c["priority"].intValue ?? 0),
                    description: c["description"].stringValue ?? ""))
            let path = (c["jsonPath"].stringValue ?? "").split(separator: ".").map(String.init)
            extractors.append { o in
                let v = o.value(at: path)
                if type == "date" { return v.isNull ? "<unknown>" : Cells.age(of: v) }
                return v
            }
        }
        let all = extractors
        return TablePrinter(columns: defs, cells: { o in all.map { $0(o) } })
    }

    /// CRD validation with apiextensions-apiserver's field paths.
    static func validate(_ crd: JSONValue) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = crd["spec"]
        let group = spec["group"].stringValue ?? ""
        let plural = spec["names"]["plural"].stringValue ?? ""
        if group.isEmpty {
            errs.append(.required("spec.group"))
        } else if !group.contains(".") {
            errs.append(.invalid("spec.group", .string(group), "should be a domain with at least one dot"))
        }
        if plural.isEmpty { errs.append(.required("spec.names.plural")) }
        if (spec["names"]["kind"].stringValue ?? "").isEmpty { errs.append(.required("spec.names.kind")) }
        let name = crd["metadata"]["name"].stringValue ?? ""
        if !plural.isEmpty && !group.isEmpty && name != "\(plural).\(group)" {
            errs.append(.invalid("metadata.name", .string(name), "must be spec.names.plural+\".\"+spec.group"))
        }
        let scope = spec["scope"].stringValue ?? ""
        if !["Namespaced", "Cluster"].contains(scope) {
            errs.append(.notSupported("spec.scope", .string(scope), ["Cluster", "Namespaced"]))
        }
        let versions = spec["versions"].arrayValue ?? []
        if versions.isEmpty {
            errs.append(.invalid("spec.versions", .array([]), "must have exactly one version marked as storage version"))
        }
        let storage = versions.filter { $0["storage"].boolValue == true }.count
        if !versions.isEmpty && storage != 1 {
            errs.append(.invalid("spec.versions", .array([]), "must have exactly one version marked as storage version"))
        }
        for (i, v) in versions.enumerated() where v["schema"]["openAPIV3Schema"].isNull {
            errs.append(.required("spec.versions[\(i)].schema.openAPIV3Schema", "schemas are required"))
        }
        return errs
    }

    /// The status a CRD gets once its names are accepted and it is served.
    static func established(_ crd: JSONValue) -> JSONValue {
        let now = JSONValue.string(Timestamp.now())
        var status = crd["status"]
        status["conditions"] = [
            [
                "type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found",
                "lastTransitionTime": now,
            ],
            [
                "type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                "message": "the initial names have been accepted", "lastTransitionTime": now,
            ],
        ]
        status["acceptedNames"] = crd["spec"]["names"]
        let storageVersion = (crd["spec"]["versions"].arrayValue ?? []).first { $0["storage"].boolValue == true }?["name"] ?? .null
        var stored = crd["status"]["storedVersions"].arrayValue ?? []
        if !storageVersion.isNull && !stored.contains(storageVersion) { stored.append(storageVersion) }
        status["storedVersions"] = .array(stored)
        return status
    }
}
