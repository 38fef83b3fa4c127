import KubeAPI
import Store

/// What kube-apiserver's admission plugins and built-in controllers do around a write:
/// Service IP and node port allocation, and CustomResourceDefinition lifecycle.
struct Admission: Sendable {
    let storage: RESTStorage
    let def: ResourceDefinition

    private var isCRD: Bool { def.group == "apiextensions.k8s.io" && def.resource == "customresourcedefinitions" }
    private var isService: Bool { def.group.isEmpty && def.resource == "services" }

    /// Returns the requirements under which what it read from the store's cache stays true
    /// (see `RESTStorage.create`); with `fresh`, it reads the store itself.
    func admitCreate(_ object: inout JSONValue, fresh: Bool) async throws(StatusError) -> [WriteRequirement] {
        var requirements: [WriteRequirement] = []
        if def.namespaced, let namespace = object["metadata"]["namespace"].stringValue {
            if def.group.isEmpty && def.resource == "pods" {
                requirements += try await applyLimitRanges(&object, namespace: namespace, fresh: fresh)
            }
            requirements += try await checkQuota(object, namespace: namespace, fresh: fresh)
        }
        if isService { try await allocateService(&object) }
        if isCRD {
            let errs = CustomResourceDefinitions.validate(object)
            if !errs.isEmpty {
                throw StatusError.invalid(
                    kind: def.kind, group: def.group, name: object["metadata"]["name"].stringValue ?? "", causes: errs)
            }
        }
        return requirements
    }

    /// Establishes CRDs: status conditions, then the registry serves the new resources.
    func afterWrite(_ object: JSONValue, registry: ResourceRegistry) async throws {
        guard isCRD, object["metadata"]["deletionTimestamp"].isNull else { return }
        let name = object["metadata"]["name"].stringValue ?? ""
        registry.setCustomResources(crd: name, CustomResourceDefinitions.definitions(from: object))
        let wanted = CustomResourceDefinitions.established(object)
        if !conditionsMatch(object["status"], wanted) {
            var options = WriteOptions()
            options.fieldManager = "apiextensions-apiserver"
            _ = try await storage.update(def, namespace: nil, name: name, subresource: "status", options: options) {
                current throws(StatusError) in
                var updated = current
                updated["status"] = CustomResourceDefinitions.established(current)
                return updated
            }
        }
    }

    private func conditionsMatch(_ a: JSONValue, _ b: JSONValue) -> Bool {
        func summary(_ s: JSONValue) -> [String] {
            (s["conditions"].arrayValue ?? []).map { "\($0["type"].stringValue ?? "")=\($0["status"].stringValue ?? "")" }.sorted()
        }
        return summary(a) == summary(b) && a["acceptedNames"] == b["acceptedNames"] && a["storedVersions"] == b["storedVersions"]
    }

    /// Deleting a CRD deletes every object of it first (apiextensions' cleanup finalizer).
    func beforeDelete(name: String, namespace: String?, options: DeleteOptions, registry: ResourceRegistry) async throws {
        guard isCRD, !options.dryRun else { return }
        let crd = try await storage.get(def, namespace: nil, name: name)
        let group = crd["spec"]["group"].stringValue ?? ""
        let plural = crd["spec"]["names"]["plural"].stringValue ?? ""
        registry.setCustomResources(crd: name, [])
        let prefix = "/registry/\(group)/\(plural)/"
        while true {
            let page: RangeResult
            do {
                page = try await storage.store.range(prefix: prefix, startAfter: nil, limit: 500, revision: nil)
            } catch {
                throw StatusError.from(error, def, name: name)
            }
            for kv in page.items { _ = try? await storage.store.delete(kv.key, expectedRevision: nil) }
            if !page.more { break }
        }
    }

    func afterDelete(_ object: JSONValue, registry: ResourceRegistry) async throws {
        guard isCRD else { return }
        registry.setCustomResources(crd: object["metadata"]["name"].stringValue ?? "", [])
    }

    // MARK: services

    static let serviceCIDRBase: UInt32 = (10 << 24) | (96 << 16)  // 10.96.0.0/12
    static let serviceCIDRSize: UInt32 = 1 << 20

    static func ipString(_ ip: UInt32) -> String {
        "\(ip >> 24).\((ip >> 16) & 0xFF).\((ip >> 8) & 0xFF).\(ip & 0xFF)"
    }

    static func parseIP(_ s: String) -> UInt32? {
        let parts = s.split(separator: ".").compactMap { UInt32($0) }
        guard parts.count == 4, parts.allSatisfy({ $0 < 256 }) else { return nil }
        return parts.reduce(0) { $0 << 8 | $1 }
    }

    private func allocateService(_ object: inout JSONValue) async throws(StatusError) {
        var spec = object["spec"]
        let type = spec["type"].stringValue ?? "ClusterIP"
        if type == "ExternalName" { return }
        let all = try await storage.list(
            CoreKinds.services, namespace: nil, labelSelector: LabelSelector(), fieldSelector: FieldSelector(), limit: 0,
            continueToken: nil, resourceVersion: nil)
        var usedIPs = Set<String>()
        var usedPorts = Set<Int64>()
        for s in all.items {
            if let ip = s["spec"]["clusterIP"].stringValue { usedIPs.insert(ip) }
            for p in s["spec"]["ports"].arrayValue ?? [] { if let n = p["nodePort"].intValue { usedPorts.insert(n) } }
        }
        let name = object["metadata"]["name"].stringValue ?? ""
        let requested = spec["clusterIP"].stringValue ?? ""
        if requested.isEmpty {
            var ip = ""
            for _ in 0..<64 {
                let candidate = Self.ipString(Self.serviceCIDRBase + UInt32.random(in: 2..<(Self.serviceCIDRSize - 1)))
                if !usedIPs.contains(candidate) {
                    ip = candidate
                    break
                }
            }
            guard !ip.isEmpty else { throw StatusError.internalError("failed to allocate a serviceIP: range is full") }
            spec["clusterIP"] = .string(ip)
        } else if requested != "None" {
            guard let n = Self.parseIP(requested), n >= Self.serviceCIDRBase, n < Self.serviceCIDRBase + Self.serviceCIDRSize else {
                throw StatusError.invalid(
                    kind: "Service", group: "", name: name,
                    causes: [
                        .invalid(
                            "spec.clusterIPs", .array([.string(requested)]),
                            "failed to allocate IP \(requested): the provided IP (\(requested)) is not in the valid range. The range of valid IPs is 10.96.0.0/12"
                        )
                    ])
            }
            if usedIPs.contains(requested) {
                throw StatusError.invalid(
                    kind: "Service", group: "", name: name,
                    causes: [
                        .invalid(
                            "spec.clusterIPs", .array([.string(requested)]),
                            "failed to allocate IP \(requested): provided IP is already allocated")
                    ])
            }
        }
        spec["clusterIPs"] = [spec["clusterIP"]]
        if type == "NodePort" || type == "LoadBalancer", var ports = spec["ports"].arrayValue {
            for i in ports.indices {
                if let n = ports[i]["nodePort"].intValue {
                    if usedPorts.contains(n) {
                        throw StatusError.invalid(
                            kind: "Service", group: "", name: name,
                            causes: [.invalid("spec.ports[\(i)].nodePort", .int(n), "provided port is already allocated")])
                    }
                    usedPorts.insert(n)
                    continue
                }
                if type == "LoadBalancer" && spec["allocateLoadBalancerNodePorts"].boolValue == false { continue }
                var port: Int64 = 0
                for _ in 0..<256 {
                    let candidate = Int64.random(in: 30000...32767)
                    if !usedPorts.contains(candidate) {
                        port = candidate
                        break
                    }
                }
                guard port != 0 else { throw StatusError.internalError("failed to allocate a nodePort: range is full") }
                usedPorts.insert(port)
                ports[i]["nodePort"] = .int(port)
            }
            spec["ports"] = .array(ports)
        }
        object["spec"] = spec
    }
}
