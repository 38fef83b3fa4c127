import FederationAPI
import KubeAPI
import KubeClient

/// The drift mode of a federated object (annotation `federation.meridian.dev/drift`).
enum DriftMode: String {
    case revert, report, ignore

    init(_ object: JSONValue) {
        self = object["metadata"]["annotations"][Federation.driftAnnotation].stringValue.flatMap(DriftMode.init) ?? .revert
    }
}

extension PropagationController {
    struct CopyOutcome {
        /// The member's copy after this pass (nil: none of ours there).
        var copy: JSONValue?
        var entry: PlacementRecord.Entry
        /// This pass made the member's first copy (one Event names them all).
        var created = false
        /// The member's watch delivered another version while the apply was out.
        var lookAgain = false
    }

    /// One member's part of a divided workload (nil: the field is not divided).
    struct Share: Sendable {
        var replicas: Int64?
        var completions: Int64?
    }

    /// The member's copy, once the member's role covers the type (custom resources grow it):
    /// from the member's watch cache when it holds our copy, else read from the member (it
    /// may hold an object of that name Meridian did not make).
    func readCopy(_ federated: FederatedKey, in cluster: Cluster, member: KubeClient) async throws -> JSONValue? {
        let type = federated.type
        if !PropagatedTypes.all.contains(type) {
            let custom = Set(registry.types.filter { !PropagatedTypes.all.contains($0) })
            try await customAccess.ensure(cluster: cluster.name, member: member, types: custom)
        }
        if case .some(.some(let cached)) = await watches.cachedCopy(cluster: cluster.name, type: type, key: federated.key) {
            return cached
        }
        return try await member.getIfExists(type, namespace: type.namespaced ? federated.key.namespace : nil, name: federated.key.name)
    }

    func memberClient(_ cluster: Cluster) async throws -> KubeClient {
        let secret = await cluster.secretName.asyncMap { await secrets.get(namespace: Federation.systemNamespace, name: $0) }
        let member = try await members.client(for: cluster, secret: secret.map(Secret.init(object:)))
        watches.ensure(cluster: cluster.name, client: member)
        return member
    }

    /// Applies one member's copy, as its drift mode and hands-off annotation allow.
    func propagate(
        _ federated: FederatedKey, _ object: JSONValue, to cluster: Cluster, member: KubeClient, existing: JSONValue?, share: Share,
        overrides: [OverridePolicy], candidate: ClusterCandidate
    ) async throws -> CopyOutcome {
        let type = federated.type
        let namespace = type.namespaced ? federated.key.namespace : nil
        if let existing, !isOurs(existing) {
            await events.record(
                object, type: .warning, reason: "NameClash",
                message: "cluster \(cluster.name) has a \(type.kind) \(federated.key) that Meridian did not create; it is left alone")
            return CopyOutcome(copy: nil, entry: .init(name: cluster.name, replicas: nil, state: "NameClash"))
        }
        if let existing, existing["metadata"]["annotations"][Federation.handsOffAnnotation].stringValue == "true" {
            return CopyOutcome(
                copy: existing,
                entry: .init(
                    name: cluster.name, replicas: nil, state: "HandsOff",
                    message: "\(Federation.handsOffAnnotation)=true on the member copy: not reconciled"))
        }
        var copy = PropagatedTypes.memberCopy(type, object, federation: federationName, replicas: share.replicas)
        if let completions = share.completions {
            // A Job's completions are immutable: the member keeps the share it was created with.
            let kept = existing?["spec"]["completions"] ?? .null
            copy["spec"]["completions"] = kept.isNull ? .int(completions) : kept
        }
        do {
            copy = try Overrides.apply(
                overrides, to: copy, type: type, cluster: candidate, replicaField: PropagatedTypes.replicaField[type])
        } catch {
            await events.record(object, type: .warning, reason: "OverrideFailed", message: "cluster \(cluster.name): \(error)")
            return CopyOutcome(copy: existing, entry: .init(name: cluster.name, replicas: nil, state: "Failed", message: "\(error)"))
        }
        // Fields other server-side appliers own in the member are theirs: not drift, not taken.
        for tree in FieldOwnership.trees(existing ?? .null, operation: "Apply", except: Self.fieldManager) {
            copy = FieldOwnership.pruning(copy, ownedBy: tree)
        }
        let mode = DriftMode(object)
        var drifted: [String] = []
        var adopted = copy
        if let existing {
            let updaters = FieldOwnership.trees(existing, operation: "Update", except: Self.fieldManager)
            (drifted, adopted) = FieldOwnership.changed(desired: copy, actual: existing, trees: updaters)
            if mode == .report {
                // Fields set in the member that the federation's copy lacks: server-side apply
                // leaves them be, so only `report` has something to say about them.
                for tree in updaters { drifted += FieldOwnership.added(desired: copy, actual: existing, tree: tree) }
            }
        }
        var entry = PlacementRecord.Entry(name: cluster.name, replicas: nil, state: "Scheduled")
        if !drifted.isEmpty, mode != .revert {
            // The member's change stays: its values go into what Meridian applies.
            copy = adopted
            if mode == .report {
                entry.state = "Drifted"
                entry.drift = drifted
                if await driftReports.isNew(cluster.name, federated, drifted) {
                    await events.record(
                        object, type: .warning, reason: "DriftDetected",
                        message: "cluster \(cluster.name): \(drifted.joined(separator: ", ")) changed in the member; kept (drift=report)")
                }
            }
        } else if mode != .revert {
            _ = await driftReports.isNew(cluster.name, federated, [])
        }
        // Nothing to do when this exact copy was applied last and the member still holds it.
        if let existing, drifted.isEmpty, ledger.isLastApplied(cluster.name, federated, copy: copy),
            CopyComparison.holds(copy, in: existing)
        {
            return CopyOutcome(copy: existing, entry: entry)
        }
        if let namespace { try await ensureNamespace(namespace, in: member, cluster: cluster.name) }
        let seenBefore = ledger.contains(cluster.name, federated)
        let applied: JSONValue
        ledger.beginApply(cluster.name, federated)
        do {
            applied = try await member.apply(type, copy, fieldManager: Self.fieldManager, force: true)
        } catch {
            ledger.endApply(cluster.name, federated, copy: nil, resourceVersion: nil)
            // The namespace may have gone from the member since it was last seen.
            if error.isNotFound, let namespace { await knownNamespaces.forget(namespace, cluster: cluster.name) }
            throw error
        }
        let lookAgain = ledger.endApply(
            cluster.name, federated, copy: copy, resourceVersion: applied["metadata"]["resourceVersion"].stringValue)
        // The copy may have been deleted between the read and the apply: a new uid says so.
        let recreated = existing.map { $0["metadata"]["uid"] != applied["metadata"]["uid"] } ?? true
        if recreated {
            if seenBefore {
                await events.record(
                    object, type: .warning, reason: "DriftReverted", message: "cluster \(cluster.name): the copy was deleted; recreated")
            } else {
                return CopyOutcome(copy: applied, entry: entry, created: true, lookAgain: lookAgain)
            }
        } else if !drifted.isEmpty, mode == .revert {
            await events.record(
                object, type: .warning, reason: "DriftReverted",
                message: "cluster \(cluster.name): \(drifted.joined(separator: ", ")) changed in the member; reverted")
        }
        return CopyOutcome(copy: applied, entry: entry, lookAgain: lookAgain)
    }

    static let fieldManager = "meridian"

    /// A member object this federation made (another federation's copy is not ours either).
    func isOurs(_ object: JSONValue) -> Bool {
        object["metadata"]["labels"][Federation.managedLabel].stringValue == "true"
            && (object["metadata"]["annotations"][Federation.federationAnnotation].stringValue ?? federationName) == federationName
    }

    func ensureNamespace(_ name: String, in member: KubeClient, cluster: String) async throws {
        if await knownNamespaces.contains(name, cluster: cluster) { return }
        if try await member.getIfExists(.namespaces, name: name) != nil {
            await knownNamespaces.insert(name, cluster: cluster)
            return
        }
        var namespace: JSONValue = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]
        namespace["metadata"]["labels"][Federation.managedLabel] = "true"
        namespace["metadata"]["annotations"][Federation.federationAnnotation] = .string(federationName)
        do {
            _ = try await member.create(.namespaces, namespace)
        } catch {
            if !error.isAlreadyExists { throw error }
        }
        await knownNamespaces.insert(name, cluster: cluster)
    }

    func deleteCopies(_ federated: FederatedKey, from clusters: [Cluster]) async throws {
        let type = federated.type
        let namespace = type.namespaced ? federated.key.namespace : nil
        for cluster in clusters {
            ledger.forget(cluster.name, federated)
            let member = try await memberClient(cluster)
            guard let copy = try await member.getIfExists(type, namespace: namespace, name: federated.key.name), isOurs(copy) else {
                continue
            }
            try await member.deleteIfExists(
                type, namespace: namespace, name: federated.key.name,
                options: DeleteOptions(preconditionUID: copy["metadata"]["uid"].stringValue))
        }
    }
}

/// Namespaces known to exist in each member, so propagating into one costs no read.
actor KnownNamespaces {
    private var known: Set<String> = []
    func contains(_ namespace: String, cluster: String) -> Bool { known.contains("\(cluster)/\(namespace)") }
    func insert(_ namespace: String, cluster: String) { known.insert("\(cluster)/\(namespace)") }
    func forget(_ namespace: String, cluster: String) { known.remove("\(cluster)/\(namespace)") }
}

/// Whether a member's object still carries what Meridian applied.
enum CopyComparison {
    /// Every value `desired` sets is in `actual`: objects key by key, arrays of the same
    /// length element by element (the server adds defaults inside them), scalars equal.
    static func holds(_ desired: JSONValue, in actual: JSONValue) -> Bool {
        switch (desired, actual) {
        case (.object(let want), .object(let have)):
            return want.allSatisfy { key, value in
                value.isNull ? (have[key] ?? .null).isNull : have[key].map { holds(value, in: $0) } ?? false
            }
        case (.array(let want), .array(let have)):
            return want.count == have.count && zip(want, have).allSatisfy { holds($0, in: $1) }
        case (.int(let a), .double(let b)): return Double(a) == b
        case (.double(let a), .int(let b)): return a == Double(b)
        default:
            return desired == actual
        }
    }
}
