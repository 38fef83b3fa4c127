import GRPCCore
import Testing

@testable import StoreEtcd

struct EtcdDeadlinesTests {
    @Test func aRequestPastItsDeadlineFailsWithDeadlineExceeded() async throws {
        let deadlines = EtcdDeadlines(timeout: .milliseconds(100))
        let timer = Task { await deadlines.run() }
        defer { timer.cancel() }
        let started = ContinuousClock.now
        do {
            // Ends by itself after 300 s, so a deadline that never fires fails the test
            // instead of hanging it. The bound below is loose on purpose: on a loaded CI
            // machine the timer task itself may wait seconds for a thread.
            _ = try await deadlines.run { try await Task.sleep(for: .seconds(300)) }
            Issue.record("a request past its deadline was not cut off")
        } catch let error as RPCError {
            #expect(error.code == .deadlineExceeded)
        }
        #expect(ContinuousClock.now - started < .seconds(120))
        #expect(deadlines.pendingCount == 0)
    }

    @Test func answersAndErrorsWithinTheDeadlinePassThrough() async throws {
        let deadlines = EtcdDeadlines(timeout: .seconds(30))
        let timer = Task { await deadlines.run() }
        defer { timer.cancel() }
        #expect(try await deadlines.run { 42 } == 42)
        do {
            _ = try await deadlines.run { () async throws -> Int in throw RPCError(code: .unavailable, message: "down") }
            Issue.record("the error was lost")
        } catch let error as RPCError {
            #expect(error.code == .unavailable)
        }
        #expect(deadlines.pendingCount == 0)
    }

    @Test func cancellingTheCallerCancelsTheRequest() async throws {
        let deadlines = EtcdDeadlines(timeout: .seconds(30))
        let caller = Task { try await deadlines.run { try await Task.sleep(for: .seconds(3600)) } }
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
        #expect(deadlines.pendingCount == 0)
    }
}
