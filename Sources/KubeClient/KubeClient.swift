import KubeAPI
import NIOCore
import NIOHTTP1

/// The REST verbs of the Kubernetes API over one connection to one API server, for any
/// resource (objects are `JSONValue`s). Failures are `KubeClientError`s; API errors keep
/// the server's `Status`.
public struct KubeClient: Sendable {
    public let transport: KubeHTTPClient

    public init(transport: KubeHTTPClient) {
        self.transport = transport
    }

    public init(_ configuration: ClientConfiguration, maxConnections: Int = 8, connectTimeout: TimeAmount = .seconds(10))
        throws(KubeClientError)
    {
        do {
            transport = try KubeHTTPClient(configuration, maxConnections: maxConnections, connectTimeout: connectTimeout)
        } catch let error as KubeClientError {
            throw error
        } catch {
            throw .configuration("\(error)")
        }
    }

    /// The namespace of the kubeconfig context, for callers that want kubectl's default.
    public var defaultNamespace: String { transport.configuration.namespace }

    public func shutdown() async { await transport.shutdown() }

    // MARK: reads

    public func get(_ type: ResourceType, namespace: String? = nil, name: String, subresource: String? = nil)
        async throws(KubeClientError) -> JSONValue
    {
        try await call(.GET, type.path(namespace: namespace, name: name, subresource: subresource))
    }

    /// The object, or nil when it does not exist.
    public func getIfExists(_ type: ResourceType, namespace: String? = nil, name: String) async throws(KubeClientError) -> JSONValue? {
        do {
            return try await get(type, namespace: namespace, name: name)
        } catch {
            if error.isNotFound { return nil }
            throw error
        }
    }

    /// One page of a LIST (`namespace` nil lists across all namespaces).
    public func list(_ type: ResourceType, namespace: String? = nil, options: ListOptions = ListOptions())
        async throws(KubeClientError) -> ObjectList
    {
        let body = try await call(.GET, type.path(namespace: namespace) + Query.encode(options.queryItems))
        guard let items = body["items"].arrayValue else { throw .malformedResponse("LIST \(type) has no items") }
        let token = body["metadata"]["continue"].stringValue
        return ObjectList(
            items: items, resourceVersion: body["metadata"]["resourceVersion"].stringValue ?? "",
            continueToken: (token?.isEmpty ?? true) ? nil : token)
    }

    /// Every item, following `continue` tokens page by page; the resourceVersion is the
    /// first page's (the snapshot all pages come from).
    public func listAll(_ type: ResourceType, namespace: String? = nil, options: ListOptions = ListOptions(), pageSize: Int = 500)
        async throws(KubeClientError) -> ObjectList
    {
        var options = options
        options.limit = pageSize
        var page = try await list(type, namespace: namespace, options: options)
        var all = page
        while let token = page.continueToken {
            options.continueToken = token
            options.resourceVersion = nil
            page = try await list(type, namespace: namespace, options: options)
            all.items.append(contentsOf: page.items)
        }
        all.continueToken = nil
        return all
    }

    // MARK: writes

    public func create(
        _ type: ResourceType, namespace: String? = nil, _ object: JSONValue, fieldManager: String? = nil, dryRun: Bool = false
    ) async throws(KubeClientError) -> JSONValue {
        let ns = namespace ?? object["metadata"]["namespace"].stringValue
        return try await call(.POST, type.path(namespace: ns) + writeQuery(fieldManager: fieldManager, dryRun: dryRun), body: object)
    }

    /// PUT of the whole object (or of a subresource such as `status`); the object's
    /// `metadata.resourceVersion` makes it a compare-and-swap.
    public func update(_ type: ResourceType, _ object: JSONValue, subresource: String? = nil, fieldManager: String? = nil)
        async throws(KubeClientError) -> JSONValue
    {
        guard let name = object["metadata"]["name"].stringValue else { throw .configuration("update of \(type) needs metadata.name") }
        let path = type.path(namespace: object["metadata"]["namespace"].stringValue, name: name, subresource: subresource)
        return try await call(.PUT, path + writeQuery(fieldManager: fieldManager, dryRun: false), body: object)
    }

    public func patch(
        _ type: ResourceType, namespace: String? = nil, name: String, _ patch: JSONValue, as patchType: PatchType,
        subresource: String? = nil, fieldManager: String? = nil
    ) async throws(KubeClientError) -> JSONValue {
        let path = type.path(namespace: namespace, name: name, subresource: subresource)
        return try await call(
            .PATCH, path + writeQuery(fieldManager: fieldManager, dryRun: false), body: patch, contentType: patchType.rawValue)
    }

    /// Server-side apply of `object` (which carries apiVersion, kind and metadata.name).
    public func apply(_ type: ResourceType, _ object: JSONValue, fieldManager: String, force: Bool = false, subresource: String? = nil)
        async throws(KubeClientError) -> JSONValue
    {
        guard let name = object["metadata"]["name"].stringValue else { throw .configuration("apply of \(type) needs metadata.name") }
        var query: [(String, String)] = [("fieldManager", fieldManager)]
        if force { query.append(("force", "true")) }
        let path = type.path(namespace: object["metadata"]["namespace"].stringValue, name: name, subresource: subresource)
        return try await call(.PATCH, path + Query.encode(query), body: object, contentType: PatchType.apply.rawValue)
    }

    /// DELETE; returns the object as the server left it (still present while finalizers
    /// run) or the `Status` the server answers with once it is gone.
    @discardableResult
    public func delete(_ type: ResourceType, namespace: String? = nil, name: String, options: DeleteOptions = DeleteOptions())
        async throws(KubeClientError) -> JSONValue
    {
        try await call(.DELETE, type.path(namespace: namespace, name: name), body: options.body)
    }

    /// DELETE that treats "already gone" as success.
    public func deleteIfExists(_ type: ResourceType, namespace: String? = nil, name: String, options: DeleteOptions = DeleteOptions())
        async throws(KubeClientError)
    {
        do {
            try await delete(type, namespace: namespace, name: name, options: options)
        } catch {
            if !error.isNotFound { throw error }
        }
    }

    // MARK: raw

    /// Any request by path (discovery, proxies, non-resource URLs); the body parsed as JSON.
    public func call(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil, contentType: String? = nil)
        async throws(KubeClientError) -> JSONValue
    {
        let response: KubeResponse
        do {
            response = try await transport.request(method, path, body: body?.serialized(), contentType: contentType)
        } catch let error as KubeClientError {
            throw error
        } catch {
            throw .transport("\(method) \(path): \(error)")
        }
        if let status = response.statusError { throw .status(status) }
        do {
            return try response.json()
        } catch {
            throw .malformedResponse("\(method) \(path): body is not JSON")
        }
    }

    private func writeQuery(fieldManager: String?, dryRun: Bool) -> String {
        var items: [(String, String)] = []
        if let fieldManager { items.append(("fieldManager", fieldManager)) }
        if dryRun { items.append(("dryRun", "All")) }
        return Query.encode(items)
    }
}

extension KubeClient {
    /// POST to a subresource of an object (`pods/NAME/binding`, `pods/NAME/eviction`,
    /// `serviceaccounts/NAME/token`).
    public func create(_ type: ResourceType, namespace: String? = nil, _ object: JSONValue, subresourceOf name: String, subresource: String)
        async throws(KubeClientError) -> JSONValue
    {
        try await call(.POST, type.path(namespace: namespace, name: name, subresource: subresource), body: object)
    }
}
