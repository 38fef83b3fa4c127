/// Weighted division of replicas over clusters: largest-remainder rounding, minimum and
/// maximum per cluster, ties broken towards where replicas already are (fewer moves), then
/// by cluster name. Pure and deterministic: the result depends on the inputs' content,
/// never on their order.
public enum ReplicaDivision {
    public struct Result: Sendable, Equatable {
        public var replicas: [String: Int64]
        /// Replicas no cluster could take (every one at its maximum).
        public var unschedulable: Int64
    }

    /// Divides `total` over the clusters of `weights`. A cluster gets at least `minimum`
    /// (when `total` allows it for every cluster) and at most `maximum`. All weights zero
    /// count as equal weights. `previous` says where replicas are now.
    public static func divide(
        _ total: Int64, weights: [String: Int64], minimum: Int64 = 0, maximum: Int64? = nil, previous: [String: Int64] = [:]
    ) -> Result {
        let names = weights.keys.sorted()
        guard !names.isEmpty, total > 0 else {
            return Result(replicas: Dictionary(uniqueKeysWithValues: names.map { ($0, 0) }), unschedulable: max(total, 0))
        }
        let allZero = weights.values.allSatisfy { $0 <= 0 }
        let weight: (String) -> Int64 = { allZero ? 1 : max(weights[$0] ?? 0, 0) }
        let count = Int64(names.count)
        let cap = maximum ?? Int64.max
        // An infeasible minimum (more than the total) is dropped rather than half-kept.
        let floorEach = min(total >= minimum * count ? minimum : 0, cap)
        var assigned = Dictionary(uniqueKeysWithValues: names.map { ($0, floorEach) })
        var remaining = total - floorEach * count
        var active = names.filter { weight($0) > 0 && floorEach < cap }
        while remaining > 0, !active.isEmpty {
            let sum = active.reduce(Int64(0)) { $0 + weight($1) }
            // Water-filling: clusters whose share reaches their cap take the cap, and the
            // rest is divided again among the others.
            var capped: [String] = []
            for name in active {
                let room = cap - assigned[name]!
                if share(remaining, weight(name), sum).quotient >= room { capped.append(name) }
            }
            if !capped.isEmpty {
                for name in capped {
                    let room = cap - assigned[name]!
                    assigned[name]! += room
                    remaining -= room
                }
                active.removeAll { capped.contains($0) }
                continue
            }
            var given: Int64 = 0
            var remainders: [(name: String, remainder: Int64)] = []
            for name in active {
                let (q, r) = share(remaining, weight(name), sum)
                assigned[name]! += q
                given += q
                remainders.append((name, r))
            }
            let leftover = remaining - given
            remainders.sort { a, b in
                if a.remainder != b.remainder { return a.remainder > b.remainder }
                let pa = previous[a.name] ?? 0
                let pb = previous[b.name] ?? 0
                if pa != pb { return pa > pb }
                return a.name < b.name
            }
            for entry in remainders.prefix(Int(leftover)) { assigned[entry.name]! += 1 }
            remaining = 0
        }
        return Result(replicas: assigned, unschedulable: remaining)
    }

    /// `total * weight / sum` without overflow for any realistic replica count.
    private static func share(_ total: Int64, _ weight: Int64, _ sum: Int64) -> (quotient: Int64, remainder: Int64) {
        let (high, low) = total.multipliedFullWidth(by: weight)
        let (q, r) = sum.dividingFullWidth((high, low))
        return (q, r)
    }
}
