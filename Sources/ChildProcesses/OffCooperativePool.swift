import Foundation

/// Runs blocking work (waiting for a child process, polling it until it answers) on a
/// thread of its own and resumes the caller when it is done.
///
/// Async tests must not block Swift's cooperative pool: it has one thread per core, so
/// a few suites each waiting synchronously for their etcd to start stall every other
/// async test in the process, and tests with short deadlines then fail for no reason of
/// their own.
public func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}
