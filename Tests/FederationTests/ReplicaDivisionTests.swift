import Testing

@testable import Federation

/// SplitMix64: a seeded generator, so every property run is reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct ReplicaDivisionTests {
    @Test func weightsTwoToOneGiveFourAndTwo() {
        let r = ReplicaDivision.divide(6, weights: ["m1": 2, "m2": 1])
        #expect(r.replicas == ["m1": 4, "m2": 2])
        #expect(r.unschedulable == 0)
    }

    @Test func largestRemainderRounding() {
        // 7 × 1/3 each: 2.33 → 2 + 1 extra; 10 × (5, 3, 2)/10 exact; 5 × (1,1,1) → 2,2,1 by name.
        #expect(ReplicaDivision.divide(7, weights: ["a": 1, "b": 1, "c": 1]).replicas == ["a": 3, "b": 2, "c": 2])
        #expect(ReplicaDivision.divide(10, weights: ["a": 5, "b": 3, "c": 2]).replicas == ["a": 5, "b": 3, "c": 2])
        // 4 × (3, 1)/4 = 3, 1; 5 × (3, 2)/5 = 3, 2; 3 × (2, 2, 1)/5 = 1.2, 1.2, 0.6 → c has the largest remainder.
        #expect(ReplicaDivision.divide(3, weights: ["a": 2, "b": 2, "c": 1]).replicas == ["a": 1, "b": 1, "c": 1])
    }

    @Test func tiesGoWhereReplicasAlreadyAre() {
        #expect(ReplicaDivision.divide(3, weights: ["a": 1, "b": 1]).replicas == ["a": 2, "b": 1])
        #expect(ReplicaDivision.divide(3, weights: ["a": 1, "b": 1], previous: ["b": 2, "a": 1]).replicas == ["a": 1, "b": 2])
    }

    @Test func minimumAndMaximum() {
        #expect(ReplicaDivision.divide(10, weights: ["a": 9, "b": 1], minimum: 3).replicas == ["a": 7, "b": 3])
        #expect(ReplicaDivision.divide(10, weights: ["a": 9, "b": 1], maximum: 6).replicas == ["a": 6, "b": 4])
        let capped = ReplicaDivision.divide(10, weights: ["a": 1, "b": 1], maximum: 3)
        #expect(capped.replicas == ["a": 3, "b": 3])
        #expect(capped.unschedulable == 4)
        // A minimum the total cannot give every cluster is dropped.
        #expect(ReplicaDivision.divide(3, weights: ["a": 1, "b": 1], minimum: 2).replicas == ["a": 2, "b": 1])
    }

    @Test func zeroTotalAndNoClusters() {
        #expect(ReplicaDivision.divide(0, weights: ["a": 1]).replicas == ["a": 0])
        #expect(ReplicaDivision.divide(5, weights: [:]) == .init(replicas: [:], unschedulable: 5))
        #expect(ReplicaDivision.divide(4, weights: ["a": 0, "b": 0]).replicas == ["a": 2, "b": 2])
    }

    /// Totals preserved, min and max respected, independent of input order, and a changed
    /// total moves no more replicas than the change.
    @Test(arguments: [1, 2, 3, 42, 2026] as [UInt64])
    func properties(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        for _ in 0..<500 {
            let count = Int.random(in: 1...6, using: &rng)
            let names = (0..<count).map { "c\($0)" }
            var weights: [String: Int64] = [:]
            for name in names { weights[name] = Int64.random(in: 1...10, using: &rng) }
            let total = Int64.random(in: 0...200, using: &rng)
            let minimum = Int64.random(in: 0...5, using: &rng)
            let maximum: Int64? = Bool.random(using: &rng) ? Int64.random(in: minimum...(minimum + 60), using: &rng) : nil
            let r = ReplicaDivision.divide(total, weights: weights, minimum: minimum, maximum: maximum)
            let sum = r.replicas.values.reduce(0, +)
            let capacity = maximum.map { $0 * Int64(count) } ?? Int64.max
            #expect(sum + r.unschedulable == total)
            #expect(sum == min(total, capacity))
            #expect(Set(r.replicas.keys) == Set(names))
            if let maximum { #expect(r.replicas.values.allSatisfy { $0 <= maximum }) }
            if total >= minimum * Int64(count) { #expect(r.replicas.values.allSatisfy { $0 >= minimum }) }
            // Reordering: the same weights built in another order give the same answer.
            let shuffled = Dictionary(uniqueKeysWithValues: weights.shuffled(using: &rng).map { ($0.key, $0.value) })
            #expect(ReplicaDivision.divide(total, weights: shuffled, minimum: minimum, maximum: maximum) == r)
            // Scaling by one changes one cluster by one when nothing is capped.
            if maximum == nil, minimum == 0, total > 0 {
                let up = ReplicaDivision.divide(total + 1, weights: weights, previous: r.replicas)
                let moved = names.reduce(Int64(0)) { $0 + abs(up.replicas[$1]! - r.replicas[$1]!) }
                #expect(moved <= 1 + 2 * Int64(count), "scaling \(total) → \(total + 1) over \(weights)")
            }
        }
    }
}

@Suite struct ScaleTransitionTests {
    @Test func growthFirstShrinkOnceTheGrowthIsReady() {
        // m2 is back holding 2 not-yet-ready replicas; m1 runs the 6 it took over.
        let before = ScaleTransition.stage(
            targets: ["m1": 4, "m2": 2], current: ["m1": .init(spec: 6, ready: 6), "m2": .init(spec: 2, ready: 0)])
        #expect(before.apply == ["m1": 6, "m2": 2])
        #expect(before.holding == ["m1"])
        let half = ScaleTransition.stage(
            targets: ["m1": 4, "m2": 2], current: ["m1": .init(spec: 6, ready: 6), "m2": .init(spec: 2, ready: 1)])
        #expect(half.apply == ["m1": 5, "m2": 2])
        let after = ScaleTransition.stage(
            targets: ["m1": 4, "m2": 2], current: ["m1": .init(spec: 6, ready: 6), "m2": .init(spec: 2, ready: 2)])
        #expect(after.apply == ["m1": 4, "m2": 2])
        #expect(after.holding.isEmpty)
    }

    @Test func scalingDownTheWholeObjectIsImmediate() {
        let r = ScaleTransition.stage(targets: ["a": 1, "b": 1], current: ["a": .init(spec: 3, ready: 3), "b": .init(spec: 3, ready: 1)])
        #expect(r.apply == ["a": 1, "b": 1])
    }

    @Test func unreachableClustersAreLeftOut() {
        let r = ScaleTransition.stage(targets: ["a": 6, "b": 0], current: ["a": .init(spec: 4, ready: 4)])
        #expect(r.apply == ["a": 6])
    }
}
