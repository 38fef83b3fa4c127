import Foundation

/// One part of what makes a sandbox behave like a cluster, named as kube-controller-manager
/// names its controllers where it has one (`--controllers`), so a sandbox can run with some
/// switched off: an API server whose Deployments never get ReplicaSets, nodes that never
/// heartbeat, or none of it (a plain API server member, as the federation benchmarks use).
public enum SandboxComponent: String, CaseIterable, Sendable, Comparable {
    case nodes
    case namespace
    case scheduler
    case kubelet
    case replicaset
    case deployment
    case job
    case statefulset
    case daemonset
    case cronjob
    case garbagecollector
    case resourcequota
    case disruption
    case service
    case persistentvolumeBinder = "persistentvolume-binder"

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A `--controllers` value that names no component, or a list `*` cannot be read from.
public enum SandboxComponentSelectionError: Error, Equatable, CustomStringConvertible {
    case unknown(String)
    case empty

    public var description: String {
        switch self {
        case .unknown(let name):
            "unknown controller \"\(name)\" (known: \(SandboxComponent.allCases.map(\.rawValue).sorted().joined(separator: ", ")))"
        case .empty: "an empty controller name in the list"
        }
    }
}

extension SandboxComponent {
    /// kube-controller-manager's `--controllers` syntax: a comma-separated list where `*`
    /// enables everything, `name` enables one and `-name` disables one (a disable wins,
    /// whatever the order). A list without `*` enables only what it names.
    public static func selection(_ list: String) throws(SandboxComponentSelectionError) -> Set<SandboxComponent> {
        var enabled: Set<SandboxComponent> = []
        var disabled: Set<SandboxComponent> = []
        for raw in list.split(separator: ",", omittingEmptySubsequences: false) {
            let item = raw.trimmingCharacters(in: .whitespaces)
            if item == "*" {
                enabled.formUnion(allCases)
                continue
            }
            let negated = item.hasPrefix("-")
            let name = negated ? String(item.dropFirst()) : item
            if name.isEmpty { throw .empty }
            if name == "*", negated {
                disabled.formUnion(allCases)
                continue
            }
            guard let component = SandboxComponent(rawValue: name) else { throw .unknown(name) }
            if negated { disabled.insert(component) } else { enabled.insert(component) }
        }
        return enabled.subtracting(disabled)
    }
}
