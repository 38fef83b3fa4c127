import DNSProviderTesting
import DNSWire
import Logging
import Reconcile
import Testing

@testable import DNSProviders

/// A provider in memory that fails its first `failures` calls.
actor MemoryProvider: DNSProvider {
    nonisolated let name = "memory"
    nonisolated let ownership = Ownership.providerTags
    nonisolated let maxBatch = 2
    var sets: [RecordSet.Key: RecordSet] = [:]
    var failures: Int
    private(set) var batches: [[RecordSetChange]] = []

    init(failures: Int) { self.failures = failures }

    func recordSets() throws(DNSProviderError) -> [RecordSet] {
        if failures > 0 {
            failures -= 1
            throw .transport("down")
        }
        return sets.values.sorted { $0.key < $1.key }
    }

    func apply(_ changes: [RecordSetChange]) throws(DNSProviderError) {
        batches.append(changes)
        for change in changes {
            switch change {
            case .create(let set), .update(let set): sets[set.key] = set
            case .delete(let set): sets[set.key] = nil
            }
        }
    }

    func seed(_ set: RecordSet) { sets[set.key] = set }
}

struct ProviderSyncTests {
    @Test func failuresBackOffAndTheZoneConvergesInBatches() async throws {
        let provider = MemoryProvider(failures: 3)
        let foreign = RecordSet(name: "keep.example.test.", type: .a, ttl: 60, data: [.a(try IPv4Address("192.0.2.1"))])
        await provider.seed(foreign)
        let desired = DesiredZone()
        let queue = ProviderSyncReconciler.queue(base: .milliseconds(20), maximum: .milliseconds(200))
        let controller = ProviderSyncReconciler.controller(
            provider: provider, desired: desired, zone: "example.test.", owner: "me", queue: queue, logger: Logger(label: "test"),
            resync: .seconds(60))
        let records = (1...3).map {
            ResourceRecord(name: try! DNSName("n\($0).example.test."), ttl: 5, data: .a(try! IPv4Address("10.0.0.\($0)")))
        }
        await desired.offer(records)
        queue.add(.zone)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await controller.run() }
            // A loose bound: other suites in the same process may hold the cooperative threads a while.
            let converged = await TestEnvironment.poll(timeout: .seconds(60), every: .milliseconds(20)) {
                await provider.sets.count == 4 ? true : nil
            }
            #expect(converged == true)
            group.cancelAll()
        }
        #expect(await provider.failures == 0)
        let sets = await provider.sets.values.sorted { $0.key < $1.key }.map(\.description)
        #expect(
            sets == [
                "keep.example.test. 60 A 192.0.2.1", "n1.example.test. 5 A 10.0.0.1", "n2.example.test. 5 A 10.0.0.2",
                "n3.example.test. 5 A 10.0.0.3",
            ])
        #expect(await provider.batches.map(\.count) == [2, 1])
    }

    @Test func nothingIsTouchedBeforeTheFirstPlan() async throws {
        let provider = MemoryProvider(failures: 0)
        await provider.seed(RecordSet(name: "web.example.test.", type: .a, ttl: 5, data: [.a(try IPv4Address("10.0.0.1"))], owner: "me"))
        let reconciler = ProviderSyncReconciler(provider: provider, desired: DesiredZone(), zone: "example.test.", owner: "me")
        #expect(try await reconciler.reconcile(.zone, logger: Logger(label: "test")) == .done)
        #expect(await provider.batches.isEmpty)
    }
}
