import Foundation
import KubeAPI

/// A typed view of one kind: the object stays a `JSONValue` (so nothing the server sends is
/// lost on a round trip), with typed accessors for the fields Meridian reads and writes.
public protocol KubeResource: Sendable {
    static var resourceType: ResourceType { get }
    var object: JSONValue { get set }
    init(object: JSONValue)
}

extension KubeResource {
    public init(name: String, namespace: String? = nil) {
        var metadata: JSONValue = ["name": .string(name)]
        if let namespace, Self.resourceType.namespaced { metadata["namespace"] = .string(namespace) }
        self.init(object: [
            "apiVersion": .string(Self.resourceType.apiVersion), "kind": .string(Self.resourceType.kind), "metadata": metadata,
        ])
    }

    public var name: String { object["metadata"]["name"].stringValue ?? "" }
    public var namespace: String? { object["metadata"]["namespace"].stringValue }
    public var uid: String { object["metadata"]["uid"].stringValue ?? "" }
    public var resourceVersion: String? { object["metadata"]["resourceVersion"].stringValue }

    public var labels: [String: String] {
        get { (object["metadata"]["labels"].objectValue ?? [:]).compactMapValues(\.stringValue) }
        set { object["metadata"]["labels"] = newValue.isEmpty ? .null : .object(newValue.mapValues(JSONValue.string)) }
    }

    public var annotations: [String: String] {
        get { (object["metadata"]["annotations"].objectValue ?? [:]).compactMapValues(\.stringValue) }
        set { object["metadata"]["annotations"] = newValue.isEmpty ? .null : .object(newValue.mapValues(JSONValue.string)) }
    }
}

extension KubeClient {
    public func get<R: KubeResource>(_: R.Type, namespace: String? = nil, name: String) async throws(KubeClientError) -> R {
        R(object: try await get(R.resourceType, namespace: namespace, name: name))
    }

    public func getIfExists<R: KubeResource>(_: R.Type, namespace: String? = nil, name: String) async throws(KubeClientError) -> R? {
        try await getIfExists(R.resourceType, namespace: namespace, name: name).map(R.init(object:))
    }

    public func list<R: KubeResource>(_: R.Type, namespace: String? = nil, options: ListOptions = ListOptions())
        async throws(KubeClientError) -> [R]
    {
        try await listAll(R.resourceType, namespace: namespace, options: options).items.map(R.init(object:))
    }

    public func create<R: KubeResource>(_ resource: R) async throws(KubeClientError) -> R {
        R(object: try await create(R.resourceType, resource.object))
    }

    public func update<R: KubeResource>(_ resource: R) async throws(KubeClientError) -> R {
        R(object: try await update(R.resourceType, resource.object))
    }

    public func apply<R: KubeResource>(_ resource: R, fieldManager: String, force: Bool = false) async throws(KubeClientError) -> R {
        R(object: try await apply(R.resourceType, resource.object, fieldManager: fieldManager, force: force))
    }
}
