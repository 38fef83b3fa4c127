import Foundation
import HTTPTypes
import Hummingbird
import KubeAPI
import Logging
import Metrics
import NIOCore
import Store
import Synchronization

/// The whole HTTP surface of a Meridian API server: health, discovery, OpenAPI, and every
/// resource. One value, shared by all connections.
public struct APIResponder: HTTPResponder {
    public typealias Context = KubeRequestContext
    /// kube-apiserver's limit for a request body (3 MiB).
    public static let maxBodyBytes = 3 * 1024 * 1024

    let storage: RESTStorage
    let registry: ResourceRegistry
    let authenticator: Authenticator
    let authorizer: RBACAuthorizer
    let tokenIssuer: TokenIssuer
    let clientCertificates = ClientCertificates()
    let metrics = RequestMetrics()
    let serverAddress: ServerAddress
    let metricsText: @Sendable () -> String
    let logSource: (any PodLogSource)?
    let logger: Logger

    public init(
        store: any KVStore, registry: ResourceRegistry, authenticator: Authenticator, serverAddress: ServerAddress,
        metricsText: @escaping @Sendable () -> String = { "" }, logSource: (any PodLogSource)? = nil, logger: Logger
    ) {
        self.logSource = logSource
        self.storage = RESTStorage(store: store, schemas: .kubernetes, logger: logger)
        self.registry = registry
        self.authenticator = authenticator
        self.authorizer = RBACAuthorizer(storage: storage)
        self.tokenIssuer = TokenIssuer(tokens: authenticator.serviceAccounts)
        self.serverAddress = serverAddress
        self.metricsText = metricsText
        self.logger = logger
    }

    static let publicPaths: Set<String> = ["/healthz", "/livez", "/readyz", "/version"]

    public func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        let path = request.uri.path.removingPercentEncoding ?? request.uri.path
        var verb = request.method.rawValue
        var resourceLabel = ""
        let response: Response
        do {
            let user = try await authenticate(request, context: context, path: path)
            let outcome = try await route(request, context: context, path: path, user: user)
            verb = outcome.verb
            resourceLabel = outcome.resource
            response = outcome.response
        } catch let error as StatusError {
            response = Self.errorResponse(error)
        } catch {
            logger.error("request failed", metadata: ["meridian.path": "\(path)", "error": "\(error)"])
            response = Self.errorResponse(.internalError("\(error)"))
        }
        let elapsed = ContinuousClock.now - start
        metrics.record(
            verb: verb, resource: resourceLabel, code: response.status.code,
            nanoseconds: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return response
    }

    func authenticate(_ request: Request, context: Context, path: String) async throws -> UserInfo {
        let user = try await authenticateCaller(request, context: context, path: path)
        return try await Impersonation.apply(request.headers, caller: user, authorizer: authorizer)
    }

    func authenticateCaller(_ request: Request, context: Context, path: String) async throws -> UserInfo {
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            guard let user = authenticator.authenticate(bearer: token) else { throw StatusError.unauthorized }
            return user
        }
        if let user = await clientCertificates.user(of: context.channel) { return user }
        if Self.publicPaths.contains(path) { return .anonymous }
        throw StatusError.unauthorized
    }

    struct Outcome {
        var response: Response
        var verb: String
        var resource: String
    }

    func route(_ request: Request, context: Context, path: String, user: UserInfo) async throws -> Outcome {
        switch path {
        case "/healthz", "/livez", "/readyz":
            return Outcome(response: Self.text("ok"), verb: "GET", resource: "")
        case "/version":
            return Outcome(response: Self.json(VersionInfo.json), verb: "GET", resource: "")
        case "/metrics":
            try await authorizeNonResource(user, verb: "get", path: path)
            var r = Self.text(metricsText())
            r.headers[.contentType] = "text/plain; version=0.0.4"
            return Outcome(response: r, verb: "GET", resource: "")
        default:
            break
        }
        if path == "/openapi/v2" || path.hasPrefix("/openapi/v3") {
            try await authorizeNonResource(user, verb: "get", path: path)
            let catalog = registry.catalog()
            return Outcome(
                response: try OpenAPIDocuments.response(path: path, catalog: catalog, schemas: storage.schemas, request: request),
                verb: "GET", resource: "")
        }
        guard let info = RequestInfo.parse(path) else { throw StatusError.notFoundPath }
        let catalog = registry.catalog()
        let accept = request.headers[.accept]
        switch info.target {
        case .other:
            throw StatusError.notFoundPath
        case .apiVersions:
            try await authorizeNonResource(user, verb: "get", path: path)
            if let rep = AcceptedRepresentation.parse(accept), case .discoveryV2(let apiVersion, let contentType) = rep.kind {
                return Outcome(
                    response: Self.json(Discovery.aggregated(catalog, core: true, apiVersion: apiVersion), contentType: contentType),
                    verb: "GET", resource: "")
            }
            return Outcome(response: Self.json(Discovery.apiVersions(serverAddress: serverAddress.value)), verb: "GET", resource: "")
        case .groupList:
            try await authorizeNonResource(user, verb: "get", path: path)
            if let rep = AcceptedRepresentation.parse(accept), case .discoveryV2(let apiVersion, let contentType) = rep.kind {
                return Outcome(
                    response: Self.json(Discovery.aggregated(catalog, core: false, apiVersion: apiVersion), contentType: contentType),
                    verb: "GET", resource: "")
            }
            return Outcome(response: Self.json(Discovery.groupList(catalog)), verb: "GET", resource: "")
        case .group(let name):
            try await authorizeNonResource(user, verb: "get", path: path)
            guard let doc = Discovery.group(catalog, name: name) else { throw StatusError.notFoundPath }
            return Outcome(response: Self.json(doc), verb: "GET", resource: "")
        case .resourceList(let group, let version):
            try await authorizeNonResource(user, verb: "get", path: path)
            if group.isEmpty && path.hasPrefix("/apis") { throw StatusError.notFoundPath }
            guard let doc = Discovery.resourceList(catalog, group: group, version: version) else { throw StatusError.notFoundPath }
            return Outcome(response: Self.json(doc), verb: "GET", resource: "")
        case .resource:
            if info.group.isEmpty && path.hasPrefix("/apis") { throw StatusError.notFoundPath }
            guard let def = catalog.lookup(group: info.group, version: info.version, resource: info.resource) else {
                throw StatusError.notFoundPath
            }
            var endpoint = ResourceEndpoint(responder: self, catalog: catalog, def: def, info: info, user: user, channel: context.channel)
            return try await endpoint.handle(request)
        }
    }

    func authorizeNonResource(_ user: UserInfo, verb: String, path: String) async throws(StatusError) {
        let decision = await authorizer.authorize(user, .nonResource(verb: verb, path: path))
        if !decision.allowed {
            throw StatusError(code: 403, reason: .forbidden, message: "forbidden: User \"\(user.name)\" cannot \(verb) path \"\(path)\"")
        }
    }

    // MARK: responses

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, contentType: String = "application/json") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        var bytes = value.serialized()
        bytes.append(UInt8(ascii: "\n"))
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func rawJSON(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func text(_ s: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: s)))
    }

    static func errorResponse(_ error: StatusError) -> Response {
        var r = json(error.statusObject, status: HTTPResponse.Status(code: error.code))
        if let retry = error.details?.retryAfterSeconds { r.headers[.retryAfter] = String(retry) }
        return r
    }
}

/// The address clients reach the server at, known once the listener is bound (`--port 0`).
public final class ServerAddress: Sendable {
    private let address: Mutex<String>
    public init(_ initial: String) { address = Mutex(initial) }
    public var value: String { address.withLock { $0 } }
    public func set(_ new: String) { address.withLock { $0 = new } }
}

extension StatusError {
    /// A path that names nothing, with kube-apiserver's message.
    static let notFoundPath = StatusError(code: 404, reason: .notFound, message: "the server could not find the requested resource")
}

/// What `/version` reports: the Kubernetes API level Meridian serves.
public enum VersionInfo {
    public static let major = "1"
    public static let minor = "30"
    public static let gitVersion = "v1.30.0-meridian"
    static var json: JSONValue {
        [
            "major": .string(major), "minor": .string(minor), "gitVersion": .string(gitVersion),
            "gitCommit": "meridian", "gitTreeState": "clean", "buildDate": "2026-11-25T00:00:00Z",
            "goVersion": "swift6.3", "compiler": "swiftc", "platform": "linux/amd64",
        ]
    }
}
