import EtcdProto
import Foundation
import GRPCCore
import Store

/// Consistent single-key reads, batched as the SQLite store batches commits: a get that
/// arrives while a read is on its way to etcd waits, and the gets gathered meanwhile go out
/// together as one read-only Txn of range operations. Every get arrived before the request
/// that answers it was sent, and etcd serves a Txn linearizably at one revision, so each
/// still sees every write acknowledged before it started (kube-apiserver's consistent GET).
/// One request per batch instead of one per get is what makes gets cheap on the gRPC side.
actor EtcdReadBatcher {
    typealias Outcome = Result<Mvccpb_KeyValue?, StoreError>

    /// What a waiting get is woken with: its answer, or the turn to send the next batch.
    private enum Turn {
        case answered(Outcome)
        case lead
    }

    private let connection: EtcdConnection
    private var waiting: [(key: Data, turn: CheckedContinuation<Turn, Never>)] = []
    private var busy = false

    /// etcd refuses Txns with more operations than `--max-txn-ops` (128 by default).
    static let maxBatch = 64

    init(connection: EtcdConnection) {
        self.connection = connection
    }

    func get(_ key: Data) async -> Outcome {
        if busy {
            let turn = await withCheckedContinuation { waiting.append((key, $0)) }
            if case .answered(let outcome) = turn { return outcome }
            // Handed the lead: `busy` stays set.
        }
        busy = true
        let followers = waiting.prefix(Self.maxBatch - 1)
        waiting.removeFirst(followers.count)
        let outcomes = await fetch([key] + followers.map(\.key))
        for (follower, outcome) in zip(followers, outcomes.dropFirst()) { follower.turn.resume(returning: .answered(outcome)) }
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().turn.resume(returning: .lead)
        }
        return outcomes[0]
    }

    /// One request for all `keys`: a plain range for one, a Txn of ranges for several.
    private nonisolated func fetch(_ keys: [Data]) async -> [Outcome] {
        do {
            if keys.count == 1 {
                var range = Etcdserverpb_RangeRequest()
                range.key = keys[0]
                let response = try await EtcdStore.read { try await self.connection.range(range) }
                return [.success(response.kvs.first)]
            }
            var txn = Etcdserverpb_TxnRequest()
            txn.success = keys.map { EtcdStore.get($0) }
            let response = try await EtcdStore.read { try await self.connection.txn(txn) }
            guard response.responses.count == keys.count else {
                let failure = StoreError.corrupt("etcd answered \(response.responses.count) reads of \(keys.count)")
                return keys.map { _ in .failure(failure) }
            }
            return response.responses.map { .success($0.responseRange.kvs.first) }
        } catch {
            let what = keys.count == 1 ? "get \(String(decoding: keys[0], as: UTF8.self))" : "get (\(keys.count) keys)"
            let failure = StoreError.from(error, what)
            return keys.map { _ in .failure(failure) }
        }
    }
}
