import Hummingbird
import KubeAPI

/// A request to pass to a member cluster through `…/clusters/NAME/proxy/PATH`.
public struct ProxyRequest: Sendable {
    public var cluster: String
    /// The member path, with its query (`/api/v1/pods?limit=1`).
    public var path: String
    public var method: String
    public var body: [UInt8]?
    public var contentType: String?
    public var accept: String?
}

public struct ProxyResponse: Sendable {
    public var status: Int
    public var contentType: String?
    public var body: [UInt8]

    public init(status: Int, contentType: String?, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}

/// Forwards requests to the cluster a resource names (the federation's Cluster proxy).
public protocol ClusterProxy: Sendable {
    var group: String { get }
    var version: String { get }
    var resource: String { get }
    func forward(_ request: ProxyRequest) async throws(StatusError) -> ProxyResponse
}

extension APIResponder {
    /// `/apis/G/V/RESOURCE/NAME/proxy[/PATH]`: authorized as the `proxy` subresource, then
    /// forwarded.
    func routeProxy(_ request: Request, path: String, user: UserInfo, proxy: any ClusterProxy) async throws -> Outcome? {
        let prefix = "/apis/\(proxy.group)/\(proxy.version)/\(proxy.resource)/"
        guard path.hasPrefix(prefix) else { return nil }
        let rest = path.dropFirst(prefix.count)
        guard let slash = rest.firstIndex(of: "/"), rest[slash...].hasPrefix("/proxy") else { return nil }
        let name = String(rest[..<slash])
        let after = rest[slash...].dropFirst("/proxy".count)
        guard after.isEmpty || after.hasPrefix("/") else { return nil }
        let verb: String
        switch request.method {
        case .get, .head: verb = "get"
        case .post: verb = "create"
        case .put: verb = "update"
        case .patch: verb = "patch"
        case .delete: verb = "delete"
        default: throw StatusError.methodNotAllowed()
        }
        let decision = await authorizer.authorize(
            user, .resource(verb: verb, group: proxy.group, resource: proxy.resource, subresource: "proxy", namespace: nil, name: name))
        guard decision.allowed else {
            throw StatusError.forbidden(
                resource: "\(proxy.resource)/proxy", group: proxy.group, name: name,
                reason:
                    "User \"\(user.name)\" cannot \(verb) resource \"\(proxy.resource)/proxy\" in API group \"\(proxy.group)\" at the cluster scope"
            )
        }
        var memberPath = after.isEmpty ? "/" : String(after)
        if let query = request.uri.query, !query.isEmpty { memberPath += "?\(query)" }
        if request.uri.queryParameters["watch"].map({ $0 == "true" || $0 == "1" }) == true {
            throw StatusError.badRequest("watching through the cluster proxy is not supported; watch the member directly")
        }
        var body: [UInt8]?
        if request.method != .get && request.method != .head && request.method != .delete {
            let buffer = try await request.body.collect(upTo: 3 * 1024 * 1024)
            body = Array(buffer.readableBytesView)
        }
        let answer = try await proxy.forward(
            ProxyRequest(
                cluster: name, path: memberPath, method: request.method.rawValue, body: body, contentType: request.headers[.contentType],
                accept: request.headers[.accept]))
        var response = Response(status: .init(code: answer.status), body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        if let type = answer.contentType { response.headers[.contentType] = type }
        return Outcome(response: response, verb: request.method.rawValue, resource: "\(proxy.resource)/proxy")
    }
}
