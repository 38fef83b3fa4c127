import Store
import StoreTesting
import Testing

@Suite struct MemoryStoreTests {
    @Test func crud() async throws { try await StoreConformance.crud(MemoryStore()) }
    @Test func ranges() async throws { try await StoreConformance.ranges(MemoryStore()) }
    @Test func watches() async throws { try await StoreConformance.watches(MemoryStore()) }
    @Test func compaction() async throws { try await StoreConformance.compaction(MemoryStore()) }
    @Test func requirements() async throws { try await StoreConformance.requirements(MemoryStore()) }
    @Test func concurrentCAS() async throws { try await StoreConformance.concurrentCAS(MemoryStore()) }
    @Test func slowWatcher() async throws {
        try await StoreConformance.slowWatcherIsCutOff(MemoryStore(watchBufferLimit: 50), bufferLimit: 50)
    }

    @Test func prefixEnd() {
        #expect("/a/".prefixEnd == "/a0")
        #expect("ab".prefixEnd == "ac")
    }
}
