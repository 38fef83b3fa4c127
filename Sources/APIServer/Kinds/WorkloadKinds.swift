import KubeAPI

/// `apps/v1` and `batch/v1` workloads.
enum WorkloadKinds {
    static func all() -> [ResourceDefinition] {
        [deployments, replicaSets, statefulSets, daemonSets, controllerRevisions, jobs, cronJobs]
    }

    static let wideColumns = [
        TableColumn("Containers", priority: 1), TableColumn("Images", priority: 1), TableColumn("Selector", priority: 1),
    ]

    static func wideCells(_ o: JSONValue, templatePath: [String] = ["spec", "template", "spec"]) -> [JSONValue] {
        let podSpec = o.value(at: templatePath)
        return [Cells.containerNames(podSpec), Cells.containerImages(podSpec), Cells.orNone(Cells.selectorString(o["spec"]["selector"]))]
    }

    static func workload(_ resource: String, _ kind: String, group: String = "apps", shortNames: [String]) -> ResourceDefinition {
        ResourceDefinition(
            group: group, version: "v1", resource: resource, kind: kind, namespaced: true, shortNames: shortNames,
            categories: ["all"], subresources: ["status", "scale"], tracksGeneration: true,
            openAPIName: "io.k8s.api.\(group == "apps" ? "apps" : "batch").v1.\(kind)")
    }

    /// Validation shared by selector-based workloads.
    static func validateSelectorWorkload(_ o: JSONValue, requireSelector: Bool = true) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = o["spec"]
        if let r = spec["replicas"].intValue, r < 0 {
            errs.append(.invalid("spec.replicas", .int(r), "must be greater than or equal to 0"))
        }
        let selector = spec["selector"]
        let templateLabels = spec["template"]["metadata"]["labels"]
        if selector.isNull {
            if requireSelector { errs.append(.required("spec.selector")) }
        } else if selector["matchLabels"].isNull && selector["matchExpressions"].isNull {
            errs.append(.invalid("spec.selector", selector, "empty selector is invalid for deployment"))
        } else if let parsed = try? LabelSelector.from(object: selector) {
            let labels = (templateLabels.objectValue ?? [:]).compactMapValues(\.stringValue)
            if !parsed.matches(labels) {
                errs.append(.invalid("spec.template.metadata.labels", templateLabels, "`selector` does not match template `labels`"))
            }
        }
        errs.append(contentsOf: Validation.labels(templateLabels, path: "spec.template.metadata.labels"))
        if spec["template"].isNull {
            errs.append(.required("spec.template"))
        } else {
            errs.append(
                contentsOf: PodSpecDefaults.validate(spec["template"]["spec"], path: "spec.template.spec", restartPolicies: ["Always"]))
        }
        return errs
    }

    static func immutableSelector(_ o: JSONValue, _ old: JSONValue?) -> [FieldError] {
        guard let old, !old["spec"]["selector"].isNull, old["spec"]["selector"] != o["spec"]["selector"] else { return [] }
        return [.invalid("spec.selector", o["spec"]["selector"], "field is immutable")]
    }

    static let deployments = workload("deployments", "Deployment", shortNames: ["deploy"]).with {
        $0.defaulter = { o in
            var spec = o["spec"]
            if spec["replicas"].isNull { spec["replicas"] = 1 }
            if spec["revisionHistoryLimit"].isNull { spec["revisionHistoryLimit"] = 10 }
            if spec["progressDeadlineSeconds"].isNull { spec["progressDeadlineSeconds"] = 600 }
            if spec["strategy"]["type"].isNull { spec["strategy"]["type"] = "RollingUpdate" }
            if spec["strategy"]["type"].stringValue == "RollingUpdate" {
                if spec["strategy"]["rollingUpdate"]["maxSurge"].isNull { spec["strategy"]["rollingUpdate"]["maxSurge"] = "25%" }
                if spec["strategy"]["rollingUpdate"]["maxUnavailable"].isNull {
                    spec["strategy"]["rollingUpdate"]["maxUnavailable"] = "25%"
                }
            }
            o["spec"] = spec
            PodSpecDefaults.applyTemplate(&o, path: ["spec", "template"])
        }
        $0.validator = { o, old in
            var errs = validateSelectorWorkload(o) + immutableSelector(o, old)
            let strategy = o["spec"]["strategy"]["type"].stringValue ?? "RollingUpdate"
            if !["RollingUpdate", "Recreate"].contains(strategy) {
                errs.append(.notSupported("spec.strategy.type", .string(strategy), ["Recreate", "RollingUpdate"]))
            }
            return errs
        }
        $0.printer = TablePrinter(
            columns: [
                Cells.nameColumn, TableColumn("Ready"), TableColumn("Up-to-date", "integer"),
                TableColumn("Available", "integer"), Cells.ageColumn,
            ] + wideColumns,
            cells: { o in
                let status = o["status"]
                return [
                    Cells.name(o), .string("\(status["readyReplicas"].intValue ?? 0)/\(o["spec"]["replicas"].intValue ?? 0)"),
                    Cells.int(status["updatedReplicas"]), Cells.int(status["availableReplicas"]), Cells.age(o),
                ] + wideCells(o)
            })
    }

    static let replicaSets = workload("replicasets", "ReplicaSet", shortNames: ["rs"]).with {
        $0.defaulter = { o in
            if o["spec"]["replicas"].isNull { o["spec"]["replicas"] = 1 }
            PodSpecDefaults.applyTemplate(&o, path: ["spec", "template"])
        }
        $0.validator = { o, old in validateSelectorWorkload(o) + immutableSelector(o, old) }
        $0.printer = TablePrinter(
            columns: [
                Cells.nameColumn, TableColumn("Desired", "integer"), TableColumn("Current", "integer"),
                TableColumn("Ready", "integer"), Cells.ageColumn,
            ] + wideColumns,
            cells: { o in
                [
                    Cells.name(o), Cells.int(o["spec"]["replicas"]), Cells.int(o["status"]["replicas"]),
                    Cells.int(o["status"]["readyReplicas"]), Cells.age(o),
                ] + wideCells(o)
            })
    }

    static let statefulSets = workload("statefulsets", "StatefulSet", shortNames: ["sts"]).with {
        $0.defaulter = { o in
            var spec = o["spec"]
            if spec["replicas"].isNull { spec["replicas"] = 1 }
            if spec["podManagementPolicy"].isNull { spec["podManagementPolicy"] = "OrderedReady" }
            if spec["updateStrategy"]["type"].isNull { spec["updateStrategy"]["type"] = "RollingUpdate" }
            if spec["updateStrategy"]["type"].stringValue == "RollingUpdate", spec["updateStrategy"]["rollingUpdate"]["partition"].isNull {
                spec["updateStrategy"]["rollingUpdate"]["partition"] = 0
            }
            if spec["revisionHistoryLimit"].isNull { spec["revisionHistoryLimit"] = 10 }
            if spec["persistentVolumeClaimRetentionPolicy"].isNull {
                spec["persistentVolumeClaimRetentionPolicy"] = ["whenDeleted": "Retain", "whenScaled": "Retain"]
            }
            o["spec"] = spec
            PodSpecDefaults.applyTemplate(&o, path: ["spec", "template"])
        }
        $0.validator = { o, old in validateSelectorWorkload(o) + immutableSelector(o, old) }
        $0.printer = TablePrinter(
            columns: [
                Cells.nameColumn, TableColumn("Ready"), Cells.ageColumn, TableColumn("Containers", priority: 1),
                TableColumn("Images", priority: 1),
            ],
            cells: { o in
                [
                    Cells.name(o), .string("\(o["status"]["readyReplicas"].intValue ?? 0)/\(o["spec"]["replicas"].intValue ?? 0)"),
                    Cells.age(o),
                ] + wideCells(o).prefix(2)
            })
    }

    static let daemonSets = workload("daemonsets", "DaemonSet", shortNames: ["ds"]).with {
        $0.subresources = ["status"]
        $0.defaulter = { o in
            var spec = o["spec"]
            if spec["updateStrategy"]["type"].isNull { spec["updateStrategy"]["type"] = "RollingUpdate" }
            if spec["updateStrategy"]["type"].stringValue == "RollingUpdate" {
                if spec["updateStrategy"]["rollingUpdate"]["maxUnavailable"].isNull {
                    spec["updateStrategy"]["rollingUpdate"]["maxUnavailable"] = 1
                }
                if spec["updateStrategy"]["rollingUpdate"]["maxSurge"].isNull { spec["updateStrategy"]["rollingUpdate"]["maxSurge"] = 0 }
            }
            if spec["revisionHistoryLimit"].isNull { spec["revisionHistoryLimit"] = 10 }
            o["spec"] = spec
            PodSpecDefaults.applyTemplate(&o, path: ["spec", "template"])
        }
        $0.validator = { o, old in validateSelectorWorkload(o) + immutableSelector(o, old) }
        $0.printer = TablePrinter(
            columns: [
                Cells.nameColumn, TableColumn("Desired", "integer"), TableColumn("Current", "integer"),
                TableColumn("Ready", "integer"), TableColumn("Up-to-date", "integer"), TableColumn("Available", "integer"),
                TableColumn("Node Selector"), Cells.ageColumn,
            ] + wideColumns,
            cells: { o in
                let s = o["status"]
                let nodeSelector = (o["spec"]["template"]["spec"]["nodeSelector"].objectValue ?? [:])
                    .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.stringValue ?? "")" }.joined(separator: ",")
                return [
                    Cells.name(o), Cells.int(s["desiredNumberScheduled"]), Cells.int(s["currentNumberScheduled"]),
                    Cells.int(s["numberReady"]), Cells.int(s["updatedNumberScheduled"]), Cells.int(s["numberAvailable"]),
                    Cells.orNone(nodeSelector), Cells.age(o),
                ] + wideCells(o)
            })
    }

    static let controllerRevisions = ResourceDefinition(
        group: "apps", version: "v1", resource: "controllerrevisions", kind: "ControllerRevision", namespaced: true,
        openAPIName: "io.k8s.api.apps.v1.ControllerRevision"
    ).with {
        $0.printer = TablePrinter(
            columns: [Cells.nameColumn, TableColumn("Controller"), TableColumn("Revision", "integer"), Cells.ageColumn],
            cells: { o in
                let owner = (o["metadata"]["ownerReferences"].arrayValue ?? []).first { $0["controller"].boolValue == true }
                let controller = owner.map {
                    "\(($0["kind"].stringValue ?? "").lowercased()).\($0["apiVersion"].stringValue?.split(separator: "/").first.map(String.init) ?? "")/\($0["name"].stringValue ?? "")"
                }
                return [Cells.name(o), Cells.orNone(controller), Cells.int(o["revision"]), Cells.age(o)]
            })
    }

    static let jobs = workload("jobs", "Job", group: "batch", shortNames: []).with {
        $0.subresources = ["status"]
        $0.defaulter = { o in
            var spec = o["spec"]
            if spec["parallelism"].isNull { spec["parallelism"] = 1 }
            if spec["completions"].isNull, spec["parallelism"].intValue == 1 { spec["completions"] = 1 }
            if spec["backoffLimit"].isNull { spec["backoffLimit"] = 6 }
            if spec["completionMode"].isNull { spec["completionMode"] = "NonIndexed" }
            if spec["suspend"].isNull { spec["suspend"] = false }
            if spec["podReplacementPolicy"].isNull { spec["podReplacementPolicy"] = "TerminatingOrFailed" }
            // The job controller's selector: labels derived from the uid, unless given.
            if spec["manualSelector"].boolValue != true, let uid = o["metadata"]["uid"].stringValue, spec["selector"].isNull {
                spec["selector"] = ["matchLabels": ["batch.kubernetes.io/controller-uid": .string(uid)]]
                var labels = spec["template"]["metadata"]["labels"]
                labels["batch.kubernetes.io/controller-uid"] = .string(uid)
                labels["controller-uid"] = .string(uid)
                if let name = o["metadata"]["name"].stringValue {
                    labels["batch.kubernetes.io/job-name"] = .string(name)
                    labels["job-name"] = .string(name)
                }
                spec["template"]["metadata"]["labels"] = labels
            }
            o["spec"] = spec
            PodSpecDefaults.applyTemplate(&o, path: ["spec", "template"], restartPolicy: nil)
        }
        $0.validator = { o, old in
            var errs = PodSpecDefaults.validate(
                o["spec"]["template"]["spec"], path: "spec.template.spec", restartPolicies: ["OnFailure", "Never"])
            if o["spec"]["template"]["spec"]["restartPolicy"].isNull {
                errs.append(.required("spec.template.spec.restartPolicy", "valid values: \"OnFailure\", \"Never\""))
            }
            for f in ["parallelism", "completions", "backoffLimit"] {
                if let v = o["spec"][f].intValue, v < 0 {
                    errs.append(.invalid("spec.\(f)", .int(v), "must be greater than or equal to 0"))
                }
            }
            if let old, old["spec"]["template"] != o["spec"]["template"], old["spec"]["suspend"].boolValue != true {
                errs.append(.invalid("spec.template", o["spec"]["template"], "field is immutable"))
            }
            return errs
        }
        $0.printer = TablePrinter(
            columns: [
                Cells.nameColumn, TableColumn("Status"), TableColumn("Completions"), TableColumn("Duration"), Cells.ageColumn,
            ] + wideColumns,
            cells: { o in
                let s = o["status"]
                let conditions = s["conditions"].arrayValue ?? []
                func has(_ type: String) -> Bool {
                    conditions.contains { $0["type"].stringValue == type && $0["status"].stringValue == "True" }
                }
                let status = has("Complete") ? "Complete" : has("Failed") ? "Failed" : has("Suspended") ? "Suspended" : "Running"
                let completions =
                    o["spec"]["completions"].intValue.map { "\(s["succeeded"].intValue ?? 0)/\($0)" }
                    ?? "\(s["succeeded"].intValue ?? 0)/1 of \(o["spec"]["parallelism"].intValue ?? 1)"
                var duration = ""
                if let start = s["startTime"].stringValue.flatMap(Timestamp.parse) {
                    let end = s["completionTime"].stringValue.flatMap(Timestamp.parse)
                    duration = end.map { Timestamp.humanAge(since: start, now: $0) } ?? Timestamp.humanAge(since: start)
                }
                return [Cells.name(o), .string(status), .string(completions), .string(duration), Cells.age(o)] + wideCells(o)
            })
    }

    static let cronJobs = ResourceDefinition(
        group: "batch", version: "v1", resource: "cronjobs", kind: "CronJob", namespaced: true, shortNames: ["cj"],
        categories: ["all"], subresources: ["status"], tracksGeneration: true, openAPIName: "io.k8s.api.batch.v1.CronJob"
    ).with {
        $0.nameValidator = { name in
            var errs = Validation.dns1123Subdomain(name)
            if name.utf8.count > 52 { errs.append("must be no more than 52 characters") }
            return errs
        }
        $0.defaulter = { o in
            var spec = o["spec"]
            if spec["concurrencyPolicy"].isNull { spec["concurrencyPolicy"] = "Allow" }
            if spec["suspend"].isNull { spec["suspend"] = false }
            if spec["successfulJobsHistoryLimit"].isNull { spec["successfulJobsHistoryLimit"] = 3 }
            if spec["failedJobsHistoryLimit"].isNull { spec["failedJobsHistoryLimit"] = 1 }
            o["spec"] = spec
            PodSpecDefaults.applyTemplate(&o, path: ["spec", "jobTemplate", "spec", "template"], restartPolicy: nil)
        }
        $0.validator = { o, _ in
            var errs: [FieldError] = []
            if (o["spec"]["schedule"].stringValue ?? "").isEmpty { errs.append(.required("spec.schedule")) }
            errs += PodSpecDefaults.validate(
                o["spec"]["jobTemplate"]["spec"]["template"]["spec"], path: "spec.jobTemplate.spec.template.spec",
                restartPolicies: ["OnFailure", "Never"])
            return errs
        }
        $0.printer = TablePrinter(
            columns: [
                Cells.nameColumn, TableColumn("Schedule"), TableColumn("Timezone"), TableColumn("Suspend", "boolean"),
                TableColumn("Active", "integer"), TableColumn("Last Schedule"), Cells.ageColumn,
                TableColumn("Containers", priority: 1), TableColumn("Images", priority: 1), TableColumn("Selector", priority: 1),
            ],
            cells: { o in
                let spec = o["spec"]
                let podSpec = spec["jobTemplate"]["spec"]["template"]["spec"]
                return [
                    Cells.name(o), spec["schedule"], Cells.orNone(spec["timeZone"].stringValue), spec["suspend"],
                    Cells.count(o["status"]["active"]),
                    o["status"]["lastScheduleTime"].isNull ? "<none>" : Cells.age(of: o["status"]["lastScheduleTime"]),
                    Cells.age(o), Cells.containerNames(podSpec), Cells.containerImages(podSpec),
                    Cells.orNone(
                        spec["jobTemplate"]["spec"]["selector"].isNull ? nil : Cells.selectorString(spec["jobTemplate"]["spec"]["selector"])
                    ),
                ]
            })
    }
}
