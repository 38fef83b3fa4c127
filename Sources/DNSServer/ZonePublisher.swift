import DNSWire

/// The one writer of the zone: takes whole record sets, and when they differ from what is
/// served builds a new snapshot with the next serial and swaps it in.
public actor ZonePublisher {
    public nonisolated let box: ZoneSnapshotBox
    private var records: Set<ResourceRecord> = []

    /// Starts empty (apex SOA and NS only) with `initialSerial`, by default the current
    /// Unix time, so a restarted server never goes back in serial.
    public init(configuration: ZoneConfiguration, initialSerial: UInt32) {
        box = ZoneSnapshotBox(ZoneSnapshot(configuration: configuration, serial: initialSerial, records: []))
    }

    public var serial: UInt32 { box.snapshot.serial }

    /// Publishes `records`; returns whether the zone changed (and its serial moved on).
    @discardableResult
    public func publish(_ records: [ResourceRecord]) -> Bool {
        let wanted = Set(records)
        guard wanted != self.records else { return false }
        self.records = wanted
        let current = box.snapshot
        let sorted = wanted.sorted { ($0.name, $0.type.rawValue, $0.data.description) < ($1.name, $1.type.rawValue, $1.data.description) }
        box.replace(with: ZoneSnapshot(configuration: current.configuration, serial: current.serial &+ 1, records: sorted))
        return true
    }
}
