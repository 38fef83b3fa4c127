import EtcdProto
import GRPCCore
import SwiftProtobuf

/// Unary requests written on the transport's streams directly.
///
/// `GRPCClient.unary` is generic and not inlinable, so every call runs grpc-swift's
/// executor unspecialised (runtime generic metadata lookups for each of its types) and
/// with a task group and child task per call to write the request beside reading the
/// response. A unary request needs neither: its one message is written and the stream
/// closed before the answer is read. Same stream, same HTTP/2 connection, same errors
/// (`RPCError`), same limits (`CallOptions`) as through `GRPCClient`; the deadline is kept
/// by `EtcdDeadlines`.
extension EtcdConnection {
    func txn(_ request: Etcdserverpb_TxnRequest) async throws -> Etcdserverpb_TxnResponse {
        try await unaryCall(request, Etcdserverpb_KV.Method.Txn.descriptor)
    }

    func range(_ request: Etcdserverpb_RangeRequest) async throws -> Etcdserverpb_RangeResponse {
        try await unaryCall(request, Etcdserverpb_KV.Method.Range.descriptor)
    }

    func compact(_ request: Etcdserverpb_CompactionRequest) async throws -> Etcdserverpb_CompactionResponse {
        try await unaryCall(request, Etcdserverpb_KV.Method.Compact.descriptor)
    }

    private func unaryCall<Request: Message & Sendable, Response: Message & Sendable>(
        _ request: Request, _ method: MethodDescriptor
    ) async throws -> Response {
        let bytes: ProtobufBytes<Transport.Bytes>
        do {
            bytes = try request.serializedBytes()
        } catch {
            throw RPCError(code: .internalError, message: "cannot encode the request", cause: error)
        }
        return try await deadlines.run {
            try await self.transport.withStream(descriptor: method, options: self.unary) { stream, _ in
                // Headers and message in one write: one trip to the event loop, one flush.
                try await stream.outbound.write(contentsOf: [.metadata([:]), .message(bytes.bytes)])
                await stream.outbound.finish()
                var response: Response?
                for try await part in stream.inbound {
                    switch part {
                    case .metadata:
                        continue
                    case .message(let received):
                        guard response == nil else { throw RPCError(code: .internalError, message: "etcd answered more than one message") }
                        do {
                            response = try Response(serializedBytes: ProtobufBytes(received))
                        } catch {
                            throw RPCError(code: .internalError, message: "cannot decode etcd's answer", cause: error)
                        }
                    case .status(let status, let metadata):
                        if let error = RPCError(status: status, metadata: metadata) { throw error }
                    }
                }
                guard let response else {
                    try Task.checkCancellation()
                    throw RPCError(code: .internalError, message: "etcd answered no message")
                }
                return response
            }
        }
    }
}

/// The transport's bytes as protobuf bytes (the two protocols ask for the same things),
/// so messages are encoded into and decoded from them without a copy.
struct ProtobufBytes<Bytes: GRPCContiguousBytes & Sendable>: GRPCContiguousBytes, SwiftProtobufContiguousBytes, Sendable {
    var bytes: Bytes

    init(_ bytes: Bytes) { self.bytes = bytes }
    init(repeating: UInt8, count: Int) { bytes = Bytes(repeating: repeating, count: count) }
    init(_ sequence: some Sequence<UInt8>) { bytes = Bytes(sequence) }
    var count: Int { bytes.count }
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try bytes.withUnsafeBytes(body) }
    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeMutableBytes(body)
    }
}
