import DNSWire

/// The latest record sets the planner wants in the zone. Nil until the first plan: before
/// it the provider is left alone (an empty zone then would delete every owned record).
public actor DesiredZone {
    private(set) var sets: [RecordSet]?

    public init() {}

    /// Takes a plan's records; returns whether they differ from the last ones.
    @discardableResult
    public func offer(_ records: [ResourceRecord]) -> Bool {
        let grouped = RecordSet.grouped(records)
        guard grouped != sets else { return false }
        sets = grouped
        return true
    }

    public var current: [RecordSet]? { sets }
}
