import Foundation
import KubeAPI

/// The core (`v1`) group's resources.
enum CoreKinds {
    static func all() -> [ResourceDefinition] {
        [
            namespaces, configMaps, secrets, services, endpoints, serviceAccounts, pods, nodes,
            persistentVolumeClaims, persistentVolumes, limitRanges, resourceQuotas, replicationControllers,
        ]
    }

    static let namespaces = ResourceDefinition(
        group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false, shortNames: ["ns"],
        verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], subresources: ["status", "finalize"],
        openAPIName: "io.k8s.api.core.v1.Namespace"
    ).with {
        $0.nameValidator = { Validation.dns1123Label($0) }
        $0.defaulter = { o in
            var labels = o["metadata"]["labels"]
            if let name = o["metadata"]["name"].stringValue {
                labels["kubernetes.io/metadata.name"] = .string(name)
                o["metadata"]["labels"] = labels
            }
        }
        $0.printer = TablePrinter(
            columns: [
                Cells.nameColumn,
                TableColumn("Status", description: "The status of the namespace"),
                Cells.ageColumn,
            ],
            cells: { [Cells.name($0), $0["status"]["phase"], Cells.age($0)] })
        $0.selectableFields = { o in ["status.phase": o["status"]["phase"].stringValue ?? ""] }
    }

    static let configMaps = ResourceDefinition(
        group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true, shortNames: ["cm"],
        openAPIName: "io.k8s.api.core.v1.ConfigMap"
    ).with {
        $0.printer = TablePrinter(
            columns: [Cells.nameColumn, TableColumn("Data", "integer"), Cells.ageColumn],
            cells: { o in
                let n = (o["data"].objectValue?.count ?? 0) + (o["binaryData"].objectValue?.count ?? 0)
                return [Cells.name(o), .int(Int64(n)), Cells.age(o)]
            })
        $0.validator = { o, _ in
            var errs: [FieldError] = []
            var total = 0
            for field in ["data", "binaryData"] {
                for (k, v) in (o[field].objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                    for e in Validation.configMapKey(k) { errs.append(.invalid("\(field)[\(k)]", .string(k), e)) }
                    total += v.stringValue?.utf8.count ?? 0
                    if field == "binaryData", o["data"][k].stringValue != nil {
                        errs.append(FieldError(.duplicate, field: "data[\(k)]", badValue: .string(k)))
                    }
                }
            }
            if total > 1024 * 1024 {
                errs.append(FieldError(.tooLong, field: "", detail: "may not be more than 1048576 bytes"))
            }
            return errs
        }
    }

    static let secrets = ResourceDefinition(
        group: "", version: "v1", resource: "secrets", kind: "Secret", namespaced: true,
        openAPIName: "io.k8s.api.core.v1.Secret"
    ).with {
        $0.printer = TablePrinter(
            columns: [Cells.nameColumn, TableColumn("Type"), TableColumn("Data", "integer"), Cells.ageColumn],
            cells: { o in [Cells.name(o), o["type"], Cells.count(o["data"]), Cells.age(o)] })
        $0.selectableFields = { o in ["type": o["type"].stringValue ?? ""] }
        $0.defaulter = { o in
            if o["type"].isNull { o["type"] = "Opaque" }
            // stringData is write-only: fold it into data.
            if let stringData = o["stringData"].objectValue {
                var data = o["data"].objectValue ?? [:]
                for (k, v) in stringData {
                    data[k] = .string(Data((v.stringValue ?? "").utf8).base64EncodedString())
                }
                o["data"] = .object(data)
                o["stringData"] = .null
            }
        }
        $0.validator = { o, old in
            var errs: [FieldError] = []
            let data = o["data"].objectValue ?? [:]
            for (k, v) in data.sorted(by: { $0.key < $1.key }) {
                for e in Validation.configMapKey(k) { errs.append(.invalid("data[\(k)]", .string(k), e)) }
                if let s = v.stringValue, Data(base64Encoded: s) == nil {
                    errs.append(.invalid("data[\(k)]", "<secret contents redacted>", "illegal base64 data"))
                }
            }
            let type = o["type"].stringValue ?? "Opaque"
            switch type {
            case "kubernetes.io/tls":
                for key in ["tls.crt", "tls.key"] where data[key] == nil {
                    errs.append(.required("data[\(key)]"))
                }
            case "kubernetes.io/dockerconfigjson":
                if data[".dockerconfigjson"] == nil { errs.append(.required("data[.dockerconfigjson]")) }
            case "kubernetes.io/dockercfg":
                if data[".dockercfg"] == nil { errs.append(.required("data[.dockercfg]")) }
            case "kubernetes.io/basic-auth":
                if data["username"] == nil && data["password"] == nil {
                    errs.append(.required("data[username]"))
                }
            case "kubernetes.io/ssh-auth":
                if data["ssh-privatekey"] == nil { errs.append(.required("data[ssh-privatekey]")) }
            case "kubernetes.io/service-account-token":
                if o["metadata"]["annotations"]["kubernetes.io/service-account.name"].isNull {
                    errs.append(.required("metadata.annotations[kubernetes.io/service-account.name]"))
                }
            default: break
            }
            if let old, let oldType = old["type"].stringValue, oldType != type {
                errs.append(.invalid("type", .string(type), "field is immutable"))
            }
            if let old, old["immutable"].boolValue == true, old["data"] != o["data"] {
                errs.append(.forbidden("data", "field is immutable when `immutable` is set"))
            }
            return errs
        }
    }

    static let endpoints = ResourceDefinition(
        group: "", version: "v1", resource: "endpoints", kind: "Endpoints", namespaced: true, shortNames: ["ep"],
        openAPIName: "io.k8s.api.core.v1.Endpoints"
    ).with {
        $0.printer = TablePrinter(
            columns: [Cells.nameColumn, TableColumn("Endpoints"), Cells.ageColumn],
            cells: { o in
                var addrs: [String] = []
                for subset in o["subsets"].arrayValue ?? [] {
                    let ports = (subset["ports"].arrayValue ?? []).compactMap { $0["port"].intValue }
                    for a in subset["addresses"].arrayValue ?? [] {
                        let ip = a["ip"].stringValue ?? ""
                        if ports.isEmpty { addrs.append(ip) } else { addrs.append(contentsOf: ports.map { "\(ip):\($0)" }) }
                    }
                }
                let shown = addrs.prefix(3).joined(separator: ",") + (addrs.count > 3 ? " + \(addrs.count - 3) more..." : "")
                return [Cells.name(o), Cells.orNone(shown), Cells.age(o)]
            })
    }

    static let serviceAccounts = ResourceDefinition(
        group: "", version: "v1", resource: "serviceaccounts", kind: "ServiceAccount", namespaced: true,
        shortNames: ["sa"], subresources: ["token"], openAPIName: "io.k8s.api.core.v1.ServiceAccount"
    ).with {
        $0.printer = TablePrinter(
            columns: [Cells.nameColumn, TableColumn("Secrets", "integer"), Cells.ageColumn],
            cells: { o in [Cells.name(o), Cells.count(o["secrets"]), Cells.age(o)] })
    }

    static let nodes = ResourceDefinition(
        group: "", version: "v1", resource: "nodes", kind: "Node", namespaced: false, shortNames: ["no"],
        subresources: ["status", "proxy"], openAPIName: "io.k8s.api.core.v1.Node"
    ).with {
        $0.printer = TablePrinter(
            columns: [
                Cells.nameColumn, TableColumn("Status"), TableColumn("Roles"), Cells.ageColumn, TableColumn("Version"),
                TableColumn("Internal-IP", priority: 1), TableColumn("External-IP", priority: 1),
                TableColumn("OS-Image", priority: 1), TableColumn("Kernel-Version", priority: 1),
                TableColumn("Container-Runtime", priority: 1),
            ],
            cells: { o in
                let ready = (o["status"]["conditions"].arrayValue ?? []).first { $0["type"].stringValue == "Ready" }
                var status = ready?["status"].stringValue == "True" ? "Ready" : (ready == nil ? "Unknown" : "NotReady")
                if o["spec"]["unschedulable"].boolValue == true { status += ",SchedulingDisabled" }
                let roles = (o["metadata"]["labels"].objectValue ?? [:]).keys
                    .filter { $0.hasPrefix("node-role.kubernetes.io/") }
                    .map { String($0.dropFirst("node-role.kubernetes.io/".count)) }.sorted()
                let addresses = o["status"]["addresses"].arrayValue ?? []
                func address(_ type: String) -> JSONValue {
                    Cells.orNone(addresses.first { $0["type"].stringValue == type }?["address"].stringValue)
                }
                let info = o["status"]["nodeInfo"]
                return [
                    Cells.name(o), .string(status), Cells.orNone(roles.joined(separator: ",")), Cells.age(o),
                    info["kubeletVersion"], address("InternalIP"), address("ExternalIP"), info["osImage"],
                    info["kernelVersion"], info["containerRuntimeVersion"],
                ]
            })
        $0.selectableFields = { o in ["spec.unschedulable": o["spec"]["unschedulable"].boolValue == true ? "true" : "false"] }
    }

    static let persistentVolumeClaims = ResourceDefinition(
        group: "", version: "v1", resource: "persistentvolumeclaims", kind: "PersistentVolumeClaim", namespaced: true,
        shortNames: ["pvc"], subresources: ["status"], openAPIName: "io.k8s.api.core.v1.PersistentVolumeClaim"
    ).with {
        $0.defaulter = { o in
            if o["spec"]["volumeMode"].isNull { o["spec"]["volumeMode"] = "Filesystem" }
            if o["status"]["phase"].isNull { o["status"] = ["phase": "Pending"] }
        }
        $0.printer = TablePrinter(
            columns: [
                Cells.nameColumn, TableColumn("Status"), TableColumn("Volume"), TableColumn("Capacity"),
                TableColumn("Access Modes"), TableColumn("StorageClass"), Cells.ageColumn,
                TableColumn("VolumeMode", priority: 1),
            ],
            cells: { o in
                let modes = (o["status"]["accessModes"].arrayValue ?? []).compactMap(\.stringValue).map {
                    ["ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"][$0] ?? $0
                }
                return [
                    Cells.name(o), o["status"]["phase"], .string(o["spec"]["volumeName"].stringValue ?? ""),
                    .string(o["status"]["capacity"]["storage"].stringValue ?? ""), .string(modes.joined(separator: ",")),
                    .string(o["spec"]["storageClassName"].stringValue ?? ""), Cells.age(o), o["spec"]["volumeMode"],
                ]
            })
    }

    static let persistentVolumes = ResourceDefinition(
        group: "", version: "v1", resource: "persistentvolumes", kind: "PersistentVolume", namespaced: false,
        shortNames: ["pv"], subresources: ["status"], openAPIName: "io.k8s.api.core.v1.PersistentVolume")

    static let limitRanges = ResourceDefinition(
        group: "", version: "v1", resource: "limitranges", kind: "LimitRange", namespaced: true, shortNames: ["limits"],
        openAPIName: "io.k8s.api.core.v1.LimitRange")

    static let resourceQuotas = ResourceDefinition(
        group: "", version: "v1", resource: "resourcequotas", kind: "ResourceQuota", namespaced: true, shortNames: ["quota"],
        subresources: ["status"], openAPIName: "io.k8s.api.core.v1.ResourceQuota")

    static let replicationControllers = ResourceDefinition(
        group: "", version: "v1", resource: "replicationcontrollers", kind: "ReplicationController", namespaced: true,
        shortNames: ["rc"], categories: ["all"], subresources: ["status", "scale"], tracksGeneration: true,
        openAPIName: "io.k8s.api.core.v1.ReplicationController"
    ).with {
        $0.defaulter = { o in
            if o["spec"]["replicas"].isNull { o["spec"]["replicas"] = 1 }
            PodSpecDefaults.applyTemplate(&o, path: ["spec", "template"])
        }
    }
}
