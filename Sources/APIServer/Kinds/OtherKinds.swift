import KubeAPI

/// Built-in groups beyond core, apps and batch.
enum OtherKinds {
    static func all() -> [ResourceDefinition] {
        [
            ingresses, ingressClasses, networkPolicies, hpaV1, hpaV2, podDisruptionBudgets, roles, roleBindings,
            clusterRoles, clusterRoleBindings, leases, endpointSlices, priorityClasses, storageClasses,
            customResourceDefinitions, selfSubjectAccessReviews, selfSubjectRulesReviews, subjectAccessReviews,
            localSubjectAccessReviews, tokenReviews, selfSubjectReviews,
        ]
    }

    static let ingresses = ResourceDefinition(
        group: "networking.k8s.io", version: "v1", resource: "ingresses", kind: "Ingress", namespaced: true,
        shortNames: ["ing"], subresources: ["status"], tracksGeneration: true,
        openAPIName: "io.k8s.api.networking.v1.Ingress"
    ).with {
        $0.printer = TablePrinter(
            columns: [
                Cells.nameColumn, TableColumn("Class"), TableColumn("Hosts"), TableColumn("Address"), TableColumn("Ports"), Cells.ageColumn,
            ],
            cells: { o in
                let rules = o["spec"]["rules"].arrayValue ?? []
                let hosts = rules.compactMap { $0["host"].stringValue }
                let lb = (o["status"]["loadBalancer"]["ingress"].arrayValue ?? []).compactMap {
                    $0["ip"].stringValue ?? $0["hostname"].stringValue
                }
                let ports = (o["spec"]["tls"].arrayValue ?? []).isEmpty ? "80" : "80, 443"
                return [
                    Cells.name(o), Cells.orNone(o["spec"]["ingressClassName"].stringValue),
                    .string(hosts.isEmpty ? "*" : hosts.joined(separator: ",")), .string(lb.joined(separator: ",")),
                    .string(ports), Cells.age(o),
                ]
            })
    }

    static let ingressClasses = ResourceDefinition(
        group: "networking.k8s.io", version: "v1", resource: "ingressclasses", kind: "IngressClass", namespaced: false,
        openAPIName: "io.k8s.api.networking.v1.IngressClass"
    ).with {
        $0.printer = TablePrinter(
            columns: [Cells.nameColumn, TableColumn("Controller"), TableColumn("Parameters"), Cells.ageColumn],
            cells: { o in [Cells.name(o), o["spec"]["controller"], "<none>", Cells.age(o)] })
    }

    static let networkPolicies = ResourceDefinition(
        group: "networking.k8s.io", version: "v1", resource: "networkpolicies", kind: "NetworkPolicy", namespaced: true,
        shortNames: ["netpol"], tracksGeneration: true, openAPIName: "io.k8s.api.networking.v1.NetworkPolicy"
    ).with {
        $0.defaulter = { o in
            if o["spec"]["policyTypes"].isNull {
                var types: [JSONValue] = ["Ingress"]
                if !o["spec"]["egress"].isNull { types.append("Egress") }
                o["spec"]["policyTypes"] = .array(types)
            }
        }
        $0.printer = TablePrinter(
            columns: [Cells.nameColumn, TableColumn("Pod-Selector"), Cells.ageColumn],
            cells: { o in
                let sel = Cells.selectorString(o["spec"]["podSelector"])
                return [Cells.name(o), Cells.orNone(sel.isEmpty ? "<none>" : sel), Cells.age(o)]
            })
    }

    static let hpaPrinter = TablePrinter(
        columns: [
            Cells.nameColumn, TableColumn("Reference"), TableColumn("Targets"), TableColumn("MinPods", "integer"),
            TableColumn("MaxPods", "integer"), TableColumn("Replicas", "integer"), Cells.ageColumn,
        ],
        cells: { o in
            let ref = o["spec"]["scaleTargetRef"]
            return [
                Cells.name(o), .string("\(ref["kind"].stringValue ?? "")/\(ref["name"].stringValue ?? "")"), "<unknown>",
                .int(o["spec"]["minReplicas"].intValue ?? 1), Cells.int(o["spec"]["maxReplicas"]),
                Cells.int(o["status"]["currentReplicas"]), Cells.age(o),
            ]
        })

    static let hpaV2 = ResourceDefinition(
        group: "autoscaling", version: "v2", resource: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler",
        namespaced: true, shortNames: ["hpa"], categories: ["all"], subresources: ["status"],
        storageResource: "horizontalpodautoscalers", openAPIName: "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler"
    ).with {
        $0.printer = hpaPrinter
        $0.defaulter = { o in if o["spec"]["minReplicas"].isNull { o["spec"]["minReplicas"] = 1 } }
    }

    static let hpaV1 = hpaV2.with {
        $0.version = "v1"
        $0.openAPIName = "io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler"
    }

    static let podDisruptionBudgets = ResourceDefinition(
        group: "policy", version: "v1", resource: "poddisruptionbudgets", kind: "PodDisruptionBudget", namespaced: true,
        shortNames: ["pdb"], subresources: ["status"], tracksGeneration: true,
        openAPIName: "io.k8s.api.policy.v1.PodDisruptionBudget"
    ).with {
        $0.printer = TablePrinter(
            columns: [
                Cells.nameColumn, TableColumn("Min Available"), TableColumn("Max Unavailable"),
                TableColumn("Allowed Disruptions", "integer"), Cells.ageColumn,
            ],
            cells: { o in
                func show(_ v: JSONValue) -> JSONValue { v.isNull ? "N/A" : (v.intValue.map { .string(String($0)) } ?? v) }
                return [
                    Cells.name(o), show(o["spec"]["minAvailable"]), show(o["spec"]["maxUnavailable"]),
                    Cells.int(o["status"]["disruptionsAllowed"]), Cells.age(o),
                ]
            })
    }

    static func rbac(_ resource: String, _ kind: String, namespaced: Bool) -> ResourceDefinition {
        ResourceDefinition(
            group: "rbac.authorization.k8s.io", version: "v1", resource: resource, kind: kind, namespaced: namespaced,
            openAPIName: "io.k8s.api.rbac.v1.\(kind)"
        ).with { $0.nameValidator = { _ in [] } }
    }

    static let bindingPrinter = TablePrinter(
        columns: [
            Cells.nameColumn, TableColumn("Role"), Cells.ageColumn, TableColumn("Users", priority: 1),
            TableColumn("Groups", priority: 1), TableColumn("ServiceAccounts", priority: 1),
        ],
        cells: { o in
            let subjects = o["subjects"].arrayValue ?? []
            func names(_ kind: String) -> JSONValue {
                .string(
                    subjects.filter { $0["kind"].stringValue == kind }.map {
                        kind == "ServiceAccount"
                            ? "\($0["namespace"].stringValue ?? "")/\($0["name"].stringValue ?? "")" : ($0["name"].stringValue ?? "")
                    }.joined(separator: ", "))
            }
            return [
                Cells.name(o), .string("\(o["roleRef"]["kind"].stringValue ?? "")/\(o["roleRef"]["name"].stringValue ?? "")"),
                Cells.age(o), names("User"), names("Group"), names("ServiceAccount"),
            ]
        })

    static let roles = rbac("roles", "Role", namespaced: true).with { $0.printer = Cells.defaultPrinter }
    static let clusterRoles = rbac("clusterroles", "ClusterRole", namespaced: false).with { $0.printer = Cells.defaultPrinter }
    static let roleBindings = rbac("rolebindings", "RoleBinding", namespaced: true).with { $0.printer = bindingPrinter }
    static let clusterRoleBindings = rbac("clusterrolebindings", "ClusterRoleBinding", namespaced: false).with {
        $0.printer = bindingPrinter
    }

    static let leases = ResourceDefinition(
        group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease", namespaced: true,
        openAPIName: "io.k8s.api.coordination.v1.Lease"
    ).with {
        $0.printer = TablePrinter(
            columns: [Cells.nameColumn, TableColumn("Holder"), Cells.ageColumn],
            cells: { o in [Cells.name(o), .string(o["spec"]["holderIdentity"].stringValue ?? ""), Cells.age(o)] })
    }

    static let endpointSlices = ResourceDefinition(
        group: "discovery.k8s.io", version: "v1", resource: "endpointslices", kind: "EndpointSlice", namespaced: true,
        openAPIName: "io.k8s.api.discovery.v1.EndpointSlice"
    ).with {
        $0.printer = TablePrinter(
            columns: [Cells.nameColumn, TableColumn("AddressType"), TableColumn("Ports"), TableColumn("Endpoints"), Cells.ageColumn],
            cells: { o in
                let ports = (o["ports"].arrayValue ?? []).compactMap { $0["port"].intValue.map(String.init) }
                let addrs = (o["endpoints"].arrayValue ?? []).flatMap { ($0["addresses"].arrayValue ?? []).compactMap(\.stringValue) }
                let shown = addrs.prefix(3).joined(separator: ",") + (addrs.count > 3 ? " + \(addrs.count - 3) more..." : "")
                return [
                    Cells.name(o), o["addressType"], Cells.orNone(ports.joined(separator: ",")),
                    Cells.orNone(shown), Cells.age(o),
                ]
            })
    }

    static let priorityClasses = ResourceDefinition(
        group: "scheduling.k8s.io", version: "v1", resource: "priorityclasses", kind: "PriorityClass", namespaced: false,
        shortNames: ["pc"], openAPIName: "io.k8s.api.scheduling.v1.PriorityClass"
    ).with {
        $0.defaulter = { o in if o["preemptionPolicy"].isNull { o["preemptionPolicy"] = "PreemptLowerPriority" } }
        $0.printer = TablePrinter(
            columns: [
                Cells.nameColumn, TableColumn("Value", "integer"), TableColumn("Global-Default", "boolean"), Cells.ageColumn,
                TableColumn("PreemptionPolicy"),
            ],
            cells: { o in
                [Cells.name(o), Cells.int(o["value"]), .bool(o["globalDefault"].boolValue ?? false), Cells.age(o), o["preemptionPolicy"]]
            })
    }

    static let storageClasses = ResourceDefinition(
        group: "storage.k8s.io", version: "v1", resource: "storageclasses", kind: "StorageClass", namespaced: false,
        shortNames: ["sc"], openAPIName: "io.k8s.api.storage.v1.StorageClass"
    ).with {
        $0.defaulter = { o in
            if o["reclaimPolicy"].isNull { o["reclaimPolicy"] = "Delete" }
            if o["volumeBindingMode"].isNull { o["volumeBindingMode"] = "Immediate" }
        }
        $0.printer = TablePrinter(
            columns: [
                Cells.nameColumn, TableColumn("Provisioner"), TableColumn("ReclaimPolicy"), TableColumn("VolumeBindingMode"),
                TableColumn("AllowVolumeExpansion", "boolean"), Cells.ageColumn,
            ],
            cells: { o in
                var name = o["metadata"]["name"].stringValue ?? ""
                if o["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"].stringValue == "true" {
                    name += " (default)"
                }
                return [
                    .string(name), o["provisioner"], o["reclaimPolicy"], o["volumeBindingMode"],
                    .bool(o["allowVolumeExpansion"].boolValue ?? false), Cells.age(o),
                ]
            })
    }

    static let customResourceDefinitions = ResourceDefinition(
        group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions", kind: "CustomResourceDefinition",
        namespaced: false, shortNames: ["crd", "crds"], subresources: ["status"], tracksGeneration: true,
        openAPIName: "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition"
    ).with {
        $0.printer = Cells.defaultPrinter
        $0.defaulter = { o in
            var names = o["spec"]["names"]
            let kind = names["kind"].stringValue ?? ""
            if names["singular"].isNull, !kind.isEmpty { names["singular"] = .string(kind.lowercased()) }
            if names["listKind"].isNull, !kind.isEmpty { names["listKind"] = .string(kind + "List") }
            o["spec"]["names"] = names
            if o["spec"]["conversion"].isNull { o["spec"]["conversion"] = ["strategy": "None"] }
        }
    }

    static func review(_ group: String, _ resource: String, _ kind: String, namespaced: Bool = false) -> ResourceDefinition {
        ResourceDefinition(
            group: group, version: "v1", resource: resource, kind: kind, namespaced: namespaced, verbs: ["create"],
            openAPIName: "io.k8s.api.\(group.split(separator: ".").first!).v1.\(kind)")
    }

    static let selfSubjectAccessReviews = review("authorization.k8s.io", "selfsubjectaccessreviews", "SelfSubjectAccessReview")
    static let selfSubjectRulesReviews = review("authorization.k8s.io", "selfsubjectrulesreviews", "SelfSubjectRulesReview")
    static let subjectAccessReviews = review("authorization.k8s.io", "subjectaccessreviews", "SubjectAccessReview")
    static let localSubjectAccessReviews = review(
        "authorization.k8s.io", "localsubjectaccessreviews", "LocalSubjectAccessReview", namespaced: true)
    static let tokenReviews = review("authentication.k8s.io", "tokenreviews", "TokenReview")
    static let selfSubjectReviews = review("authentication.k8s.io", "selfsubjectreviews", "SelfSubjectReview")
}
