import Foundation
import Store
import StoreSQLite
import StoreTesting
import Testing

/// A fresh database file in its own temporary directory.
func temporaryDatabase() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("meridian-sqlite-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("store.db").path
}

@Suite struct SQLiteStoreTests {
    func make(buffer: Int = 10_000) throws -> SQLiteStore { try SQLiteStore(path: try temporaryDatabase(), watchBufferLimit: buffer) }

    @Test func crud() async throws { try await StoreConformance.crud(try make()) }
    @Test func ranges() async throws { try await StoreConformance.ranges(try make()) }
    @Test func watches() async throws { try await StoreConformance.watches(try make()) }
    @Test func compaction() async throws { try await StoreConformance.compaction(try make()) }
    @Test func requirements() async throws { try await StoreConformance.requirements(try make()) }
    @Test func concurrentCAS() async throws { try await StoreConformance.concurrentCAS(try make()) }
    @Test func slowWatcher() async throws { try await StoreConformance.slowWatcherIsCutOff(try make(buffer: 50), bufferLimit: 50) }

    @Test func reopenKeepsDataAndRevision() async throws {
        let path = try temporaryDatabase()
        var store: SQLiteStore? = try SQLiteStore(path: path)
        _ = try await store!.create("/k/a", value: Array("1".utf8))
        let last = try await store!.update("/k/a", value: Array("2".utf8), expectedRevision: nil)
        _ = try await store!.create("/k/b", value: Array("b".utf8))
        let deleted = try await store!.delete("/k/b", expectedRevision: nil)
        await store!.close()
        store = nil
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.currentRevision() == deleted.modRevision)
        #expect(try await reopened.get("/k/a") == last)
        #expect(try await reopened.get("/k/b") == nil)
        let next = try await reopened.create("/k/c", value: [])
        #expect(next.modRevision == deleted.modRevision + 1)
    }

    @Test func secondOpenOfTheSameFileIsRefused() async throws {
        let path = try temporaryDatabase()
        let first = try SQLiteStore(path: path)
        _ = try await first.create("/k", value: [])
        #expect(throws: StoreError.unavailable("\(path) is in use by another process")) { _ = try SQLiteStore(path: path) }
        await first.close()
    }
}
