import Foundation
import HTTPTypes
import Hummingbird
import KubeAPI
import NIOCore
import Store

/// One request against a resource: verb resolution, authorization, and the REST call.
struct ResourceEndpoint {
    let responder: APIResponder
    let catalog: ResourceCatalog
    let def: ResourceDefinition
    let info: RequestInfo
    let user: UserInfo
    /// The connection (HTTP/1) or stream (HTTP/2) carrying the request: its closing ends watches.
    let channel: (any Channel)?
    var query = QueryOptions(query: nil)
    var warnings: [String] = []

    init(
        responder: APIResponder, catalog: ResourceCatalog, def: ResourceDefinition, info: RequestInfo, user: UserInfo,
        channel: (any Channel)? = nil
    ) {
        self.channel = channel
        self.responder = responder
        self.catalog = catalog
        self.def = def
        self.info = info
        self.user = user
    }

    var storage: RESTStorage { responder.storage }
    var namespace: String? { def.namespaced ? info.namespace : nil }

    func verb(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head:
            if info.legacyWatch || (info.name == nil && query.watch) { return "watch" }
            return info.name == nil ? "list" : "get"
        case .post: return "create"
        case .put: return "update"
        case .patch: return "patch"
        case .delete: return info.name == nil ? "deletecollection" : "delete"
        default: return method.rawValue.lowercased()
        }
    }

    mutating func handle(_ request: Request) async throws -> APIResponder.Outcome {
        query = QueryOptions(query: request.uri.query)
        let verb = verb(request.method)
        if !def.namespaced && info.namespace != nil { throw StatusError.notFoundPath }
        if let sub = info.subresource, !def.subresources.contains(sub) { throw StatusError.notFoundPath }
        if info.subresource == nil {
            guard def.verbs.contains(verb) || (verb == "watch" && def.verbs.contains("watch")) else {
                throw StatusError.methodNotAllowed()
            }
            if def.namespaced && info.namespace == nil && !["list", "watch", "create"].contains(verb) {
                throw StatusError.methodNotAllowed()
            }
        }
        for value in query.all("dryRun") where value != "All" {
            throw StatusError.badRequest("Invalid dry run value: \(value)")
        }
        let decision = await responder.authorizer.authorize(
            user,
            .resource(
                verb: verb, group: def.group, resource: def.resource, subresource: info.subresource, namespace: info.namespace,
                name: info.name))
        if !decision.allowed { throw forbidden(verb) }

        var response: Response
        switch verb {
        case "get": response = try await get(request)
        case "list": response = try await list(request)
        case "watch": response = try await watch(request)
        case "create": response = try await create(request)
        case "update": response = try await update(request)
        case "patch": response = try await patch(request)
        case "delete": response = try await delete(request)
        case "deletecollection": response = try await deleteCollection(request)
        default: throw StatusError.methodNotAllowed()
        }
        for w in warnings { response.headers.append(HTTPField(name: HTTPField.Name("Warning")!, value: "299 - \"\(w)\"")) }
        return APIResponder.Outcome(response: response, verb: verb.uppercased(), resource: def.resource)
    }

    func forbidden(_ verb: String) -> StatusError {
        var message = "User \"\(user.name)\" cannot \(verb) resource \"\(def.resource)\""
        if let sub = info.subresource { message += "/\(sub)" }
        message += " in API group \"\(def.group)\""
        if let ns = info.namespace { message += " in the namespace \"\(ns)\"" } else { message += " at the cluster scope" }
        return StatusError.forbidden(resource: def.resource, group: def.group, name: info.name ?? "", reason: message)
    }

    // MARK: body and options

    func body(_ request: Request) async throws -> JSONValue {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: APIResponder.maxBodyBytes)
        } catch {
            throw StatusError.tooLarge(limit: APIResponder.maxBodyBytes)
        }
        let bytes = Array(buffer.readableBytesView)
        if bytes.isEmpty { throw StatusError.badRequest("the body of the request was empty") }
        return try BodyDecoding.decode(bytes, contentType: request.headers[.contentType])
    }

    func writeOptions(_ request: Request, defaultManager: String? = nil) throws(StatusError) -> WriteOptions {
        var o = WriteOptions()
        o.dryRun = query.dryRun
        o.fieldManager = ManagedFields.managerName(
            fieldManager: query.fieldManager ?? defaultManager, userAgent: request.headers[.userAgent] ?? "")
        if o.fieldManager.count > 128 { throw StatusError.badRequest("fieldManager: Too long: must have at most 128 bytes") }
        let validation = query.fieldValidation
        switch validation {
        case "", "Strict", "Warn", "Ignore": o.fieldValidation = validation.isEmpty ? "Warn" : validation
        default:
            throw StatusError.badRequest("Invalid fieldValidation: \(validation)")
        }
        o.force = query.force
        o.user = user
        return o
    }

    /// Drops fields the schema does not know; Strict refuses them, Warn reports them.
    mutating func checkUnknownFields(_ object: inout JSONValue, options: WriteOptions) throws(StatusError) {
        guard let schema = storage.schema(for: def) else { return }
        var pruned = object
        pruned["metadata"]["managedFields"] = .null
        let unknown = UnknownFields(index: storage.schemas).prune(&pruned, schema: schema)
        pruned["metadata"]["managedFields"] = object["metadata"]["managedFields"]
        guard !unknown.isEmpty else { return }
        switch options.fieldValidation {
        case "Strict":
            let list = unknown.map { "unknown field \"\($0)\"" }.joined(separator: ", ")
            throw StatusError.badRequest(
                "\(def.kind) in version \"\(def.version)\" cannot be handled as a \(def.kind): strict decoding error: \(list)")
        case "Warn":
            warnings += unknown.map { "unknown field \"\($0)\"" }
        default:
            break
        }
        object = pruned
    }

    // MARK: output

    func representation(_ request: Request) throws(StatusError) -> AcceptedRepresentation {
        guard let rep = AcceptedRepresentation.parse(request.headers[.accept]) else {
            throw StatusError.notAcceptable(
                "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf")
        }
        return rep
    }

    func render(_ object: JSONValue, _ request: Request, status: HTTPResponse.Status = .ok) throws(StatusError) -> Response {
        switch try representation(request).kind {
        case .table(let version):
            let meta: JSONValue = ["resourceVersion": object["metadata"]["resourceVersion"]]
            return APIResponder.json(
                TableConverter.table([object], def, version: version, includeObject: query["includeObject"], listMetadata: meta),
                status: status)
        case .partialMetadata(let version, _):
            return APIResponder.json(TableConverter.partialMetadata(object, version: version), status: status)
        case .yaml:
            return APIResponder.json(object, status: status)
        default:
            return APIResponder.json(object, status: status)
        }
    }
}
