import Foundation
import KubeAPI

public struct Namespace: KubeResource {
    public static let resourceType = ResourceType.namespaces
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }
    public var phase: String? { object["status"]["phase"].stringValue }
}

public struct Secret: KubeResource {
    public static let resourceType = ResourceType.secrets
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }

    public var type: String {
        get { object["type"].stringValue ?? "Opaque" }
        set { object["type"] = .string(newValue) }
    }

    /// Decoded `data` (the API carries it base64-encoded).
    public var data: [String: Data] {
        get { (object["data"].objectValue ?? [:]).compactMapValues { $0.stringValue.flatMap { Data(base64Encoded: $0) } } }
        set { object["data"] = .object(newValue.mapValues { .string($0.base64EncodedString()) }) }
    }

    public func string(_ key: String) -> String? { data[key].map { String(decoding: $0, as: UTF8.self) } }
}

public struct ConfigMap: KubeResource {
    public static let resourceType = ResourceType.configMaps
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }

    public var data: [String: String] {
        get { (object["data"].objectValue ?? [:]).compactMapValues(\.stringValue) }
        set { object["data"] = .object(newValue.mapValues(JSONValue.string)) }
    }
}

public struct ServiceAccount: KubeResource {
    public static let resourceType = ResourceType.serviceAccounts
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }
}

public struct Node: KubeResource {
    public static let resourceType = ResourceType.nodes
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }

    public var region: String? { labels["topology.kubernetes.io/region"] }
    public var zone: String? { labels["topology.kubernetes.io/zone"] }
    public var isReady: Bool {
        (object["status"]["conditions"].arrayValue ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" }
    }
    /// Allocatable resources as the API reports them (`cpu`, `memory`, `pods`).
    public var allocatable: [String: String] { (object["status"]["allocatable"].objectValue ?? [:]).compactMapValues(\.stringValue) }
}

/// `coordination.k8s.io/v1` Lease: node heartbeats and leader election.
public struct Lease: KubeResource {
    public static let resourceType = ResourceType.leases
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }

    public var holderIdentity: String? {
        get { object["spec"]["holderIdentity"].stringValue }
        set { object["spec"]["holderIdentity"] = newValue.map(JSONValue.string) ?? .null }
    }
    public var leaseDurationSeconds: Int? {
        get { object["spec"]["leaseDurationSeconds"].intValue.map(Int.init) }
        set { object["spec"]["leaseDurationSeconds"] = newValue.map { .int(Int64($0)) } ?? .null }
    }
    public var renewTime: Date? {
        get { object["spec"]["renewTime"].stringValue.flatMap(Timestamp.parse) }
        set { object["spec"]["renewTime"] = newValue.map { .string(Timestamp.formatMicro($0)) } ?? .null }
    }
}
