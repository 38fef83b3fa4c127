import Foundation
import HTTPTypes
import Hummingbird
import KubeAPI
import NIOCore
import Store

extension ResourceEndpoint {
    func selectors() throws(StatusError) -> (LabelSelector, FieldSelector) {
        let labels: LabelSelector
        do {
            labels = try LabelSelector.parse(query.labelSelector)
        } catch {
            throw StatusError.badRequest("unable to parse requirement: \(error.message)")
        }
        let fields: FieldSelector
        do {
            fields = try FieldSelector.parse(query.fieldSelector)
        } catch {
            throw StatusError.badRequest(error.message)
        }
        try RESTStorage.checkFieldSelector(fields, def, labelSelector: query.labelSelector)
        return (labels, fields)
    }

    func get(_ request: Request) async throws -> Response {
        guard let name = info.name else { throw StatusError.notFoundPath }
        switch info.subresource {
        case nil, "status":
            // resourceVersion "0": any recent state will do, so the store's cache may answer
            // (kube-apiserver serves these from its watch cache); otherwise a consistent read.
            let anyRecent = query.resourceVersion == "0"
            if RawObject.servable(def), try representation(request).kind == .json {
                let kv =
                    anyRecent
                    ? try await storage.readSuggestion(def, namespace: namespace, name: name, decode: false).kv
                    : try await storage.read(def, namespace: namespace, name: name, decode: false).1
                if let raw = RawObject.withResourceVersion(kv) { return APIResponder.rawJSON(raw) }
            }
            if anyRecent { return try render(try await storage.readSuggestion(def, namespace: namespace, name: name).object, request) }
            return try render(try await storage.get(def, namespace: namespace, name: name), request)
        case "scale":
            return APIResponder.json(try ScaleSubresource.scale(of: try await storage.get(def, namespace: namespace, name: name), def))
        case "log":
            _ = try await storage.get(def, namespace: namespace, name: name)
            return try await PodLogs.response(
                storage: storage, source: responder.logSource, namespace: namespace ?? "", name: name, query: query)
        default:
            throw StatusError.methodNotAllowed()
        }
    }

    func list(_ request: Request) async throws -> Response {
        let (labels, fields) = try selectors()
        let rep = try representation(request)
        let result = try await storage.list(
            def, namespace: namespace, labelSelector: labels, fieldSelector: fields, limit: query.limit,
            continueToken: query.continueToken, resourceVersion: query.resourceVersion, raw: rep.kind == .json)
        var meta: JSONValue = ["resourceVersion": .string(String(result.resourceVersion))]
        if let token = result.continueToken { meta["continue"] = .string(token) }
        if let remaining = result.remainingItemCount { meta["remainingItemCount"] = .int(Int64(remaining)) }
        switch try representation(request).kind {
        case .table(let version):
            return APIResponder.json(
                TableConverter.table(result.items, def, version: version, includeObject: query["includeObject"], listMetadata: meta))
        case .partialMetadata(let version, _):
            let items = result.items.map { TableConverter.partialMetadata($0, version: version) }
            return APIResponder.json([
                "kind": "PartialObjectMetadataList", "apiVersion": .string("meta.k8s.io/\(version)"), "metadata": meta,
                "items": .array(items),
            ])
        default:
            if !result.rawItems.isEmpty {
                return APIResponder.rawJSON(
                    Self.rawList(kind: "\(def.kind)List", apiVersion: def.groupVersion, metadata: meta, items: result.rawItems))
            }
            return APIResponder.json([
                "kind": .string("\(def.kind)List"), "apiVersion": .string(def.groupVersion), "metadata": meta,
                "items": .array(result.items),
            ])
        }
    }

    /// A list document assembled from stored bytes.
    static func rawList(kind: String, apiVersion: String, metadata: JSONValue, items: [KeyValue]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(items.reduce(256) { $0 + $1.value.count + 32 })
        out.append(contentsOf: #"{"apiVersion":"#.utf8)
        JSONValue.string(apiVersion).write(into: &out)
        out.append(contentsOf: #","items":["#.utf8)
        for (i, kv) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            if let raw = RawObject.withResourceVersion(kv) { out.append(contentsOf: raw) } else { out.append(contentsOf: kv.value) }
        }
        out.append(contentsOf: #"],"kind":"#.utf8)
        JSONValue.string(kind).write(into: &out)
        out.append(contentsOf: #","metadata":"#.utf8)
        metadata.write(into: &out)
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    func watch(_ request: Request) async throws -> Response {
        var (labels, fields) = try selectors()
        if let name = info.name {
            // The legacy /watch/.../NAME form watches one object.
            fields.requirements.append(.init(field: "metadata.name", negated: false, value: name))
        }
        let rep = try representation(request)
        let session = WatchSession(
            storage: storage, def: def, namespace: namespace, labelSelector: labels, fieldSelector: fields,
            resourceVersion: query.resourceVersion, sendInitialEvents: query.sendInitialEvents, allowBookmarks: query.allowWatchBookmarks,
            rawJSON: rep.kind == .json && RawObject.servable(def))
        var timeout = Duration.seconds(1800 + Int.random(in: 0..<1800))
        if let t = query.timeoutSeconds { timeout = .seconds(t) }
        if let t = query.timeout, t < timeout { timeout = t }
        let def = self.def
        let includeObject = query["includeObject"]
        // Fail before the 200 when the start revision is gone.
        if let rv = query.resourceVersion, let r = Revision(rv), r > 0 {
            let compacted = (try? await storage.store.compactedRevision()) ?? 0
            if r + 1 < compacted {
                let error = StatusError.expired("too old resource version: \(r) (\(compacted))")
                return Self.watchResponse(events: [WatchSession.errorEvent(error)], rep: rep, def: def, includeObject: includeObject)
            }
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let deadline = timeout
        let closed = channel?.closeFuture
        let body = ResponseBody { writer in
            // Events flow through a bounded buffer: a client that cannot keep up is cut
            // off (the watch ends) and re-watches from its last resourceVersion.
            let (chunks, sink) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .bufferingOldest(4096))
            // A watch that only filters events never writes, so it would not notice its
            // client leaving; the connection (or HTTP/2 stream) closing ends it.
            closed?.whenComplete { _ in sink.finish() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var first = true
                    do {
                        try await session.run { event in
                            let encoded = Self.encode(event, rep: rep, def: def, includeObject: includeObject, first: first)
                            first = false
                            if case .dropped = sink.yield(encoded) { throw CancellationError() }
                        }
                    } catch let error as StatusError {
                        sink.yield(
                            Self.encode(WatchSession.errorEvent(error), rep: rep, def: def, includeObject: includeObject, first: false))
                    } catch {}
                    sink.finish()
                }
                group.addTask {
                    try? await Task.sleep(for: deadline)
                    sink.finish()
                }

                for await chunk in chunks { try await writer.write(ByteBuffer(bytes: chunk)) }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    static func watchResponse(events: [WatchSession.Event], rep: AcceptedRepresentation, def: ResourceDefinition, includeObject: String?)
        -> Response
    {
        var bytes: [UInt8] = []
        for e in events { bytes += encode(e, rep: rep, def: def, includeObject: includeObject, first: true) }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func encode(
        _ event: WatchSession.Event, rep: AcceptedRepresentation, def: ResourceDefinition, includeObject: String?, first: Bool
    ) -> [UInt8] {
        if let raw = event.raw {
            var bytes = Array(#"{"type":"#.utf8)
            JSONValue.string(event.type).write(into: &bytes)
            bytes.append(contentsOf: #","object":"#.utf8)
            bytes.append(contentsOf: raw)
            bytes.append(contentsOf: "}\n".utf8)
            return bytes
        }
        var object = event.object
        if event.type != "ERROR" && event.type != "BOOKMARK" {
            switch rep.kind {
            case .table(let version):
                object = TableConverter.table(
                    [object], def, version: version, includeObject: includeObject,
                    listMetadata: ["resourceVersion": object["metadata"]["resourceVersion"]], includeColumns: first)
            case .partialMetadata(let version, _):
                object = TableConverter.partialMetadata(object, version: version)
            default: break
            }
        }
        var bytes = JSONValue.object(["type": .string(event.type), "object": object]).serialized()
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }
}
