import KubeAPI

extension CoreKinds {
    static let services = ResourceDefinition(
        group: "", version: "v1", resource: "services", kind: "Service", namespaced: true, shortNames: ["svc"],
        categories: ["all"], verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        subresources: ["status", "proxy"], openAPIName: "io.k8s.api.core.v1.Service"
    ).with {
        $0.nameValidator = { Validation.dns1035Label($0) }
        $0.defaulter = defaultService
        $0.validator = validateService
        $0.preserveOnUpdate = { new, old in
            // A client that leaves out the allocated IP or node ports keeps them.
            let oldSpec = old["spec"]
            if (new["spec"]["clusterIP"].stringValue ?? "").isEmpty, !oldSpec["clusterIP"].isNull {
                new["spec"]["clusterIP"] = oldSpec["clusterIP"]
                new["spec"]["clusterIPs"] = oldSpec["clusterIPs"]
            }
            if var ports = new["spec"]["ports"].arrayValue {
                let oldPorts = oldSpec["ports"].arrayValue ?? []
                for i in ports.indices where ports[i]["nodePort"].isNull {
                    if let match = oldPorts.first(where: { $0["port"] == ports[i]["port"] && $0["protocol"] == ports[i]["protocol"] }) {
                        ports[i]["nodePort"] = match["nodePort"]
                    }
                }
                new["spec"]["ports"] = .array(ports)
            }
        }
        $0.printer = TablePrinter(
            columns: [
                Cells.nameColumn, TableColumn("Type"), TableColumn("Cluster-IP"), TableColumn("External-IP"),
                TableColumn("Port(s)"), Cells.ageColumn, TableColumn("Selector", priority: 1),
            ],
            cells: { o in
                let spec = o["spec"]
                let type = spec["type"].stringValue ?? "ClusterIP"
                let clusterIP: JSONValue = type == "ExternalName" ? "<none>" : Cells.orNone(spec["clusterIP"].stringValue)
                return [
                    Cells.name(o), .string(type), clusterIP, externalIP(o), Cells.orNone(ports(spec)), Cells.age(o),
                    Cells.orNone(spec["selector"].objectValue == nil ? nil : Cells.selectorString(spec["selector"])),
                ]
            })
    }

    static func externalIP(_ o: JSONValue) -> JSONValue {
        let spec = o["spec"]
        let external = (spec["externalIPs"].arrayValue ?? []).compactMap(\.stringValue)
        switch spec["type"].stringValue ?? "ClusterIP" {
        case "ExternalName": return .string(spec["externalName"].stringValue ?? "")
        case "LoadBalancer":
            let ingress = (o["status"]["loadBalancer"]["ingress"].arrayValue ?? []).compactMap {
                $0["ip"].stringValue ?? $0["hostname"].stringValue
            }
            let all = ingress + external
            return all.isEmpty ? "<pending>" : .string(all.joined(separator: ","))
        default:
            return Cells.orNone(external.joined(separator: ","))
        }
    }

    static func ports(_ spec: JSONValue) -> String {
        (spec["ports"].arrayValue ?? []).map { p in
            let port = p["port"].intValue ?? 0
            let proto = p["protocol"].stringValue ?? "TCP"
            if let node = p["nodePort"].intValue { return "\(port):\(node)/\(proto)" }
            return "\(port)/\(proto)"
        }.joined(separator: ",")
    }

    static let defaultService: @Sendable (inout JSONValue) -> Void = { o in
        var spec = o["spec"]
        if spec["type"].isNull { spec["type"] = "ClusterIP" }
        let type = spec["type"].stringValue ?? "ClusterIP"
        if spec["sessionAffinity"].isNull { spec["sessionAffinity"] = "None" }
        if var ports = spec["ports"].arrayValue {
            for i in ports.indices {
                if ports[i]["protocol"].isNull { ports[i]["protocol"] = "TCP" }
                if ports[i]["targetPort"].isNull, type != "ExternalName" { ports[i]["targetPort"] = ports[i]["port"] }
            }
            spec["ports"] = .array(ports)
        }
        if type != "ExternalName" {
            if spec["internalTrafficPolicy"].isNull { spec["internalTrafficPolicy"] = "Cluster" }
            if spec["ipFamilies"].isNull { spec["ipFamilies"] = ["IPv4"] }
            if spec["ipFamilyPolicy"].isNull { spec["ipFamilyPolicy"] = "SingleStack" }
            if spec["clusterIP"].stringValue == "None", spec["clusterIPs"].isNull { spec["clusterIPs"] = ["None"] }
        }
        if type == "LoadBalancer" || type == "NodePort" {
            if spec["externalTrafficPolicy"].isNull { spec["externalTrafficPolicy"] = "Cluster" }
        }
        if type == "LoadBalancer", spec["allocateLoadBalancerNodePorts"].isNull {
            spec["allocateLoadBalancerNodePorts"] = true
        }
        o["spec"] = spec
        if o["status"].isNull { o["status"] = ["loadBalancer": .emptyObject] }
    }

    static let validateService: @Sendable (JSONValue, JSONValue?) -> [FieldError] = { o, old in
        var errs: [FieldError] = []
        let spec = o["spec"]
        let type = spec["type"].stringValue ?? "ClusterIP"
        let supported = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
        if !supported.contains(type) { errs.append(.notSupported("spec.type", .string(type), supported)) }
        let ports = spec["ports"].arrayValue ?? []
        let headless = spec["clusterIP"].stringValue == "None"
        if ports.isEmpty && type != "ExternalName" && !headless {
            errs.append(.required("spec.ports"))
        }
        if type == "ExternalName" {
            let name = spec["externalName"].stringValue ?? ""
            if name.isEmpty { errs.append(.required("spec.externalName")) }
        }
        var names = Set<String>()
        for (i, p) in ports.enumerated() {
            let path = "spec.ports[\(i)]"
            let name = p["name"].stringValue ?? ""
            if ports.count > 1 && name.isEmpty { errs.append(.required("\(path).name")) }
            if !name.isEmpty {
                for e in Validation.dns1123Label(name) { errs.append(.invalid("\(path).name", .string(name), e)) }
                if !names.insert(name).inserted { errs.append(FieldError(.duplicate, field: "\(path).name", badValue: .string(name))) }
            }
            let port = p["port"]
            if let n = port.intValue {
                if !(1...65535).contains(n) { errs.append(.invalid("\(path).port", port, "must be between 1 and 65535, inclusive")) }
            } else {
                errs.append(.required("\(path).port"))
            }
            let proto = p["protocol"].stringValue ?? "TCP"
            if !["TCP", "UDP", "SCTP"].contains(proto) {
                errs.append(.notSupported("\(path).protocol", .string(proto), ["SCTP", "TCP", "UDP"]))
            }
            let target = p["targetPort"]
            if let n = target.intValue, !(1...65535).contains(n) {
                errs.append(.invalid("\(path).targetPort", target, "must be between 1 and 65535, inclusive"))
            }
            if let node = p["nodePort"].intValue, !(30000...32767).contains(node) {
                errs.append(
                    .invalid(
                        "\(path).nodePort", p["nodePort"],
                        "provided port is not in the valid range. The range of valid ports is 30000-32767"))
            }
        }
        if let old, let oldIP = old["spec"]["clusterIP"].stringValue, !oldIP.isEmpty,
            let newIP = spec["clusterIP"].stringValue, newIP != oldIP,
            old["spec"]["type"].stringValue != "ExternalName", type != "ExternalName"
        {
            errs.append(.invalid("spec.clusterIPs[0]", .string(newIP), "may not change once set"))
        }
        return errs
    }
}
