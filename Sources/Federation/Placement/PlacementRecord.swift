import FederationAPI
import KubeAPI

/// The scheduling result and per-cluster state of one federated object, kept as JSON in
/// its annotation `federation.meridian.dev/placement` (the status of built-in kinds has no
/// room for it: the API server prunes fields their schemas do not declare). It is also the
/// scheduler's memory: where replicas were, which clusters failed over.
public struct PlacementRecord: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var replicas: Int64?
        /// Scheduled, Offline, FailedOver, HandsOff, Drifted, ScalingDown, NameClash, Failed.
        public var state: String
        public var drift: [String] = []
        public var message: String?

        public init(name: String, replicas: Int64?, state: String, drift: [String] = [], message: String? = nil) {
            self.name = name
            self.replicas = replicas
            self.state = state
            self.drift = drift
            self.message = message
        }
    }

    public var policy: String?
    public var clusters: [Entry] = []
    public var excluded: [String: String] = [:]
    public var failedOver: [String] = []
    public var unschedulable: Int64 = 0
    public var error: String?

    public init(policy: String? = nil, clusters: [Entry] = [], excluded: [String: String] = [:], failedOver: [String] = []) {
        self.policy = policy
        self.clusters = clusters
        self.excluded = excluded
        self.failedOver = failedOver
    }

    public func entry(_ name: String) -> Entry? { clusters.first { $0.name == name } }

    public var json: JSONValue {
        var out: JSONValue = .emptyObject
        if let policy { out["policy"] = .string(policy) }
        out["clusters"] = .array(
            clusters.sorted { $0.name < $1.name }.map { e in
                var c: JSONValue = ["name": .string(e.name), "state": .string(e.state)]
                if let r = e.replicas { c["replicas"] = .int(r) }
                if !e.drift.isEmpty { c["drift"] = .array(e.drift.map(JSONValue.string)) }
                if let m = e.message { c["message"] = .string(m) }
                return c
            })
        if !excluded.isEmpty {
            out["excluded"] = .array(excluded.keys.sorted().map { ["name": .string($0), "reason": .string(excluded[$0]!)] })
        }
        if !failedOver.isEmpty { out["failedOver"] = .array(failedOver.sorted().map(JSONValue.string)) }
        if unschedulable > 0 { out["unschedulable"] = .int(unschedulable) }
        if let error { out["error"] = .string(error) }
        return out
    }

    public init(json: JSONValue) {
        policy = json["policy"].stringValue
        clusters = (json["clusters"].arrayValue ?? []).map {
            Entry(
                name: $0["name"].stringValue ?? "", replicas: $0["replicas"].intValue, state: $0["state"].stringValue ?? "",
                drift: ($0["drift"].arrayValue ?? []).compactMap(\.stringValue), message: $0["message"].stringValue)
        }
        for e in json["excluded"].arrayValue ?? [] {
            if let n = e["name"].stringValue { excluded[n] = e["reason"].stringValue ?? "" }
        }
        failedOver = (json["failedOver"].arrayValue ?? []).compactMap(\.stringValue)
        unschedulable = json["unschedulable"].intValue ?? 0
        error = json["error"].stringValue
    }

    /// The record in an object's annotation, if any.
    public init?(annotationOf object: JSONValue) {
        guard let text = object["metadata"]["annotations"][Federation.placementAnnotation].stringValue,
            let json = try? JSONParser.parse(text)
        else { return nil }
        self.init(json: json)
    }

    /// `m1 (4), m2 (2); excluded m3: not in clusterNames`: the Scheduled event's message.
    public var summary: String {
        var parts: [String] = []
        let placed = clusters.sorted { $0.name < $1.name }.map { e in e.replicas.map { "\(e.name) (\(String($0)))" } ?? e.name }
        parts.append(placed.isEmpty ? "no cluster" : placed.joined(separator: ", "))
        if !excluded.isEmpty {
            parts.append("excluded " + excluded.keys.sorted().map { "\($0): \(excluded[$0]!)" }.joined(separator: ", "))
        }
        if !failedOver.isEmpty { parts.append("failed over " + failedOver.sorted().joined(separator: ", ")) }
        if unschedulable > 0 { parts.append("\(unschedulable) replicas unschedulable (every cluster at maxPerCluster)") }
        return parts.joined(separator: "; ")
    }
}
