import DNSWire

/// Works out the changes that take a provider's zone to the desired sets: only what
/// differs, only sets Meridian owns, in an order that never leaves a name both a CNAME and
/// something else and never leaves an owned set without its marker. Pure.
public enum ChangePlanner {
    public struct Plan: Equatable, Sendable {
        public var changes: [RecordSetChange]
        /// Desired sets left alone because something Meridian does not own holds the name.
        public var conflicts: [RecordSet.Key]
    }

    /// - Parameters:
    ///   - desired: the sets Meridian wants (owner filled in or not: it is set here).
    ///   - current: every managed-type set the provider holds in the zone.
    public static func plan(
        desired: [RecordSet], current: [RecordSet], zone: DNSName, owner: String, ownership: Ownership
    ) -> Plan {
        let current = resolveOwners(
            current.filter { $0.name.isSubdomain(of: zone) && ManagedTypes.all.contains($0.type) }, owner: owner, ownership: ownership)
        var byKey: [RecordSet.Key: RecordSet] = [:]
        var byName: [DNSName: [RecordSet]] = [:]
        for set in current {
            byKey[set.key] = set
            byName[set.name, default: []].append(set)
        }
        var wanted: [RecordSet.Key: RecordSet] = [:]
        var conflicts: [RecordSet.Key] = []
        let names = Dictionary(grouping: desired.filter { $0.name.isSubdomain(of: zone) }, by: \.name)
        for (name, sets) in names {
            let foreign = (byName[name] ?? []).filter { $0.owner != owner }
            // A marker claims the whole name, so a name holding anything foreign stays foreign.
            let blocked = ownership == .txtRecords ? !foreign.isEmpty : false
            for var set in sets {
                set.owner = owner
                let clash = foreign.contains { $0.type == set.type || $0.type == .cname || set.type == .cname }
                if blocked || clash {
                    conflicts.append(set.key)
                    continue
                }
                wanted[set.key] = set
            }
            if ownership == .txtRecords, !blocked, sets.contains(where: { wanted[$0.key] != nil }),
                let marker = Ownership.marker(for: name, owner: owner, ttl: sets.map(\.ttl).min() ?? 0)
            {
                if let existing = byKey[marker.key], existing.owner != owner {
                    conflicts.append(marker.key)
                } else {
                    wanted[marker.key] = marker
                }
            }
        }
        var deletes: [RecordSetChange] = []
        var markerDeletes: [RecordSetChange] = []
        var updates: [RecordSetChange] = []
        var creates: [RecordSetChange] = []
        var markerCreates: [RecordSetChange] = []
        for set in current where set.owner == owner && wanted[set.key] == nil {
            if isMarker(set, ownership) { markerDeletes.append(.delete(set)) } else { deletes.append(.delete(set)) }
        }
        for (key, set) in wanted {
            if let existing = byKey[key] {
                if existing.ttl != set.ttl || existing.data != set.data { updates.append(.update(set)) }
            } else if isMarker(set, ownership) {
                markerCreates.append(.create(set))
            } else {
                creates.append(.create(set))
            }
        }
        let ordered = [deletes, updates, markerCreates, creates, markerDeletes].flatMap { $0.sorted { $0.set.key < $1.set.key } }
        return Plan(changes: ordered, conflicts: conflicts.sorted())
    }

    /// With TXT markers: a set is ours when its name's marker names us, and so is the marker.
    static func resolveOwners(_ sets: [RecordSet], owner: String, ownership: Ownership) -> [RecordSet] {
        guard ownership == .txtRecords else { return sets }
        var markedNames: Set<DNSName> = []
        for set in sets where set.type == .txt && Ownership.owners(in: set).contains(owner) {
            if let name = Ownership.markedName(set.name) { markedNames.insert(name) }
        }
        return sets.map { set in
            var set = set
            let isOwnMarker = set.type == .txt && Ownership.markedName(set.name) != nil && Ownership.owners(in: set).contains(owner)
            set.owner = isOwnMarker || markedNames.contains(set.name) ? owner : nil
            return set
        }
    }

    static func isMarker(_ set: RecordSet, _ ownership: Ownership) -> Bool {
        ownership == .txtRecords && set.type == .txt && Ownership.markedName(set.name) != nil
    }
}
