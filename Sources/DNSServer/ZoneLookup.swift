import DNSWire

/// What the zone says about one name and type (coredns's file plugin shape): records,
/// and whether the name exists.
struct ZoneLookup {
    enum Outcome: Equatable {
        /// The answer (it may end in a CNAME leaving the zone).
        case success
        /// The name exists, the type does not.
        case noData
        /// The name does not exist.
        case nameError
    }

    /// CNAME chains longer than this are cut (and loops end there too).
    static let maxChain = 8

    let snapshot: ZoneSnapshot

    /// Answers `name`/`type`, following CNAMEs inside the zone.
    func lookup(_ name: DNSName, _ type: RecordType) -> (outcome: Outcome, answers: [ResourceRecord]) {
        var answers: [ResourceRecord] = []
        var current = name
        var seen: Set<DNSName> = []
        while seen.count <= Self.maxChain {
            guard current.isSubdomain(of: snapshot.origin) else { return (.success, answers) }
            seen.insert(current.lowercased)
            guard let sets = snapshot.types(at: current) else {
                return (snapshot.exists(current) ? .noData : .nameError, answers)
            }
            if type == .any {
                for (_, set) in sets.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { answers += records(current, set) }
                return (.success, answers)
            }
            if let set = sets[type] {
                answers += records(current, set)
                return (.success, answers)
            }
            guard let chain = sets[.cname], case .cname(let target) = chain.data.first else { return (.noData, answers) }
            answers += records(current, chain)
            if seen.contains(target.lowercased) { return (.success, answers) }
            current = target
        }
        return (.success, answers)
    }

    private func records(_ owner: DNSName, _ set: ZoneSnapshot.RRSet) -> [ResourceRecord] {
        set.data.map { ResourceRecord(name: owner, ttl: set.ttl, data: $0) }
    }
}
