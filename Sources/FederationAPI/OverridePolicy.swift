import KubeAPI

/// An OverridePolicy or ClusterOverridePolicy, decoded: rules applied in order to the
/// member copy of every object it selects, per cluster.
public struct OverridePolicy: Sendable, Hashable {
    public var name: String
    /// nil for a ClusterOverridePolicy.
    public var namespace: String?
    public var resourceSelectors: [ResourceSelector]
    public var rules: [Rule]

    public struct ClusterTarget: Sendable, Hashable {
        public var names: [String]?
        public var selector: LabelSelector?
        public init(names: [String]? = nil, selector: LabelSelector? = nil) {
            self.names = names
            self.selector = selector
        }
        /// No names and no selector: every cluster.
        public func matches(name: String, labels: [String: String]) -> Bool {
            if let names, !names.contains(name) { return false }
            if let selector, !selector.matches(labels) { return false }
            return true
        }
    }

    /// One change to a member copy.
    public enum Overrider: Sendable, Hashable {
        /// A container's whole image.
        case image(container: String, value: String)
        /// Registry and/or tag of every container's image.
        case imageParts(registry: String?, tag: String?)
        case replicas(Int64)
        case labels([String: String])
        case annotations([String: String])
        case args(container: String, value: [String])
        /// `container` nil: every container.
        case env(container: String?, set: [String: String], remove: [String])
        case jsonPatch(JSONValue)
    }

    public struct Rule: Sendable, Hashable {
        public var clusters: ClusterTarget
        public var overriders: [Overrider]
        public init(clusters: ClusterTarget = ClusterTarget(), overriders: [Overrider]) {
            self.clusters = clusters
            self.overriders = overriders
        }

        init(_ json: JSONValue) {
            clusters = ClusterTarget(
                names: json["clusters"]["names"].arrayValue?.compactMap(\.stringValue),
                selector: json["clusters"]["selector"].isNull ? nil : try? LabelSelector.from(object: json["clusters"]["selector"]))
            // The order within a rule is fixed (the order); rules apply in order.
            var out: [Overrider] = []
            let image = json["image"]
            if let value = image["value"].stringValue, let container = image["container"].stringValue {
                out.append(.image(container: container, value: value))
            } else if !image.isNull {
                out.append(.imageParts(registry: image["registry"].stringValue, tag: image["tag"].stringValue))
            }
            if let replicas = json["replicas"].intValue { out.append(.replicas(replicas)) }
            if let labels = json["labels"].objectValue { out.append(.labels(labels.compactMapValues(\.stringValue))) }
            if let annotations = json["annotations"].objectValue { out.append(.annotations(annotations.compactMapValues(\.stringValue))) }
            if let container = json["args"]["container"].stringValue {
                out.append(.args(container: container, value: (json["args"]["value"].arrayValue ?? []).compactMap(\.stringValue)))
            }
            if !json["env"].isNull {
                out.append(
                    .env(
                        container: json["env"]["container"].stringValue,
                        set: (json["env"]["set"].objectValue ?? [:]).compactMapValues(\.stringValue),
                        remove: (json["env"]["remove"].arrayValue ?? []).compactMap(\.stringValue)))
            }
            if let patch = json["jsonPatch"].arrayValue { out.append(.jsonPatch(.array(patch))) }
            overriders = out
        }
    }

    public init(name: String, namespace: String?, resourceSelectors: [ResourceSelector], rules: [Rule]) {
        self.name = name
        self.namespace = namespace
        self.resourceSelectors = resourceSelectors
        self.rules = rules
    }

    public init(object: JSONValue) {
        self.init(
            name: object["metadata"]["name"].stringValue ?? "", namespace: object["metadata"]["namespace"].stringValue,
            resourceSelectors: (object["spec"]["resourceSelectors"].arrayValue ?? []).map(ResourceSelector.init),
            rules: (object["spec"]["rules"].arrayValue ?? []).map(Rule.init))
    }

    public var reference: String {
        namespace.map { "OverridePolicy \($0)/\(name)" } ?? "ClusterOverridePolicy \(name)"
    }
}
