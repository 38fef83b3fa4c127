import KubeAPI
import Synchronization

/// An immutable view of every served resource: the built-ins plus the established CRDs at
/// one moment. Requests take one catalog and use it throughout.
public struct ResourceCatalog: Sendable {
    public let definitions: [ResourceDefinition]
    private let byPath: [String: Int]
    /// Group name → served versions, preferred first.
    public let groups: [(name: String, versions: [String])]

    public init(_ definitions: [ResourceDefinition]) {
        self.definitions = definitions
        var byPath: [String: Int] = [:]
        var order: [String] = []
        var versions: [String: [String]] = [:]
        for (i, d) in definitions.enumerated() {
            byPath["\(d.group)/\(d.version)/\(d.resource)"] = i
            if versions[d.group] == nil {
                order.append(d.group)
                versions[d.group] = []
            }
            if !versions[d.group]!.contains(d.version) { versions[d.group]!.append(d.version) }
        }
        self.byPath = byPath
        self.groups = order.map { g in (g, versions[g]!.sorted(by: Self.versionPriority)) }
    }

    public func lookup(group: String, version: String, resource: String) -> ResourceDefinition? {
        byPath["\(group)/\(version)/\(resource)"].map { definitions[$0] }
    }

    public func resources(group: String, version: String) -> [ResourceDefinition] {
        definitions.filter { $0.group == group && $0.version == version }
    }

    public func servesGroupVersion(group: String, version: String) -> Bool {
        groups.contains { $0.name == group && $0.versions.contains(version) }
    }

    /// Kubernetes' version ordering: GA > beta > alpha, higher numbers first.
    public static func versionPriority(_ a: String, _ b: String) -> Bool {
        func parse(_ v: String) -> (major: Int, stage: Int, minor: Int)? {
            guard v.hasPrefix("v") else { return nil }
            let rest = v.dropFirst()
            let digits = rest.prefix { $0.isNumber }
            guard let major = Int(digits) else { return nil }
            let tail = rest.dropFirst(digits.count)
            if tail.isEmpty { return (major, 2, 0) }
            if tail.hasPrefix("beta"), let m = Int(tail.dropFirst(4)) { return (major, 1, m) }
            if tail.hasPrefix("alpha"), let m = Int(tail.dropFirst(5)) { return (major, 0, m) }
            return nil
        }
        switch (parse(a), parse(b)) {
        case (let x?, let y?):
            if x.stage != y.stage { return x.stage > y.stage }
            if x.major != y.major { return x.major > y.major }
            return x.minor > y.minor
        case (.some, nil): return true
        case (nil, .some): return false
        default: return a < b
        }
    }

    public static let builtIn: [ResourceDefinition] =
        CoreKinds.all() + [EventKinds.core, EventKinds.eventsV1] + WorkloadKinds.all() + OtherKinds.all()
}

/// Holds the current catalog; CRD establishment swaps in a new one. Reads are a lock and
/// a copy of an immutable value, so every request can take one without an actor hop.
public final class ResourceRegistry: Sendable {
    private struct State {
        var custom: [ResourceDefinition] = []
        var current = ResourceCatalog(ResourceCatalog.builtIn)
    }
    private let state = Mutex(State())
    private let validators: [String: CustomResourceValidator]

    public init(validators: [String: CustomResourceValidator] = [:]) { self.validators = validators }

    public func catalog() -> ResourceCatalog { state.withLock { $0.current } }

    /// Replaces the resources served for one CRD (by its name) with `definitions`.
    public func setCustomResources(crd: String, _ definitions: [ResourceDefinition]) {
        state.withLock { s in
            s.custom.removeAll { "\($0.resource).\($0.group)" == crd }
            s.custom.append(
                contentsOf: definitions.map { definition in
                    guard let extra = validators["\(definition.resource).\(definition.group)"] else { return definition }
                    var d = definition
                    let schema = d.validator
                    d.validator = { o, old in
                        let errs = schema?(o, old) ?? []
                        // The extra rules assume a well-typed object.
                        return errs.isEmpty ? extra(o, old) : errs
                    }
                    return d
                })
            s.current = ResourceCatalog(ResourceCatalog.builtIn + s.custom)
        }
    }
}
