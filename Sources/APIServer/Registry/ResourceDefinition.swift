import KubeAPI

/// One column of a server-side Table (`metav1.TableColumnDefinition`).
public struct TableColumn: Sendable {
    public var name: String
    public var type: String
    public var format: String
    public var priority: Int
    public var description: String

    public init(_ name: String, _ type: String = "string", format: String = "", priority: Int = 0, description: String = "") {
        self.name = name
        self.type = type
        self.format = format
        self.priority = priority
        self.description = description
    }
}

/// How a kind prints as a Table: its columns and the cells of one object.
public struct TablePrinter: Sendable {
    public var columns: [TableColumn]
    public var cells: @Sendable (JSONValue) -> [JSONValue]

    public init(columns: [TableColumn], cells: @escaping @Sendable (JSONValue) -> [JSONValue]) {
        self.columns = columns
        self.cells = cells
    }
}

/// Everything the generic REST machinery needs to know about one resource at one version.
public struct ResourceDefinition: Sendable {
    public var group: String
    public var version: String
    /// Plural lower-case name used in URLs.
    public var resource: String
    public var kind: String
    public var singular: String
    public var namespaced: Bool
    public var shortNames: [String]
    public var categories: [String]
    public var verbs: [String]
    /// Subresources served besides the main resource (`status`, `scale`, `token`, ...).
    public var subresources: [String]
    /// Where objects live in the store: `/registry/<storageResource>/...`. Resources that
    /// share storage (core and events.k8s.io Events) share this.
    public var storageResource: String
    /// Whether `metadata.generation` counts spec changes.
    public var tracksGeneration: Bool
    /// Scale subresource paths (CRDs configure them; built-ins use spec.replicas).
    public var scale: ScalePaths?
    public var printer: TablePrinter?
    /// Field selector support: the fields this kind exposes beyond metadata.name/namespace.
    public var selectableFields: (@Sendable (JSONValue) -> [String: String])?
    /// Server-side defaulting (kube-apiserver's SetDefaults_*).
    public var defaulter: (@Sendable (inout JSONValue) -> Void)?
    /// Carries server-assigned fields over when an update leaves them out (Service IPs).
    public var preserveOnUpdate: (@Sendable (inout JSONValue, JSONValue) -> Void)?
    /// Kind-specific validation; `old` is set on update.
    public var validator: (@Sendable (JSONValue, JSONValue?) -> [FieldError])?
    /// Name validation (DNS-1123 subdomain unless the kind says otherwise).
    public var nameValidator: @Sendable (String) -> [String]
    /// For CRDs: the structural schema of this version.
    public var schema: JSONValue?
    /// Whether this version is the one objects are stored at (CRDs with several versions).
    public var storageVersion: String
    /// Set for resources that come from a CustomResourceDefinition.
    public var isCustom: Bool
    /// OpenAPI definition name (`io.k8s.api.core.v1.ConfigMap`), when published.
    public var openAPIName: String?
    /// When the stored form differs from this version's wire form (events.k8s.io views core Events).
    public var conversion: Conversion?

    public struct ScalePaths: Sendable {
        public var specReplicasPath: String
        public var statusReplicasPath: String
        public var labelSelectorPath: String?
        public init(specReplicasPath: String, statusReplicasPath: String, labelSelectorPath: String?) {
            self.specReplicasPath = specReplicasPath
            self.statusReplicasPath = statusReplicasPath
            self.labelSelectorPath = labelSelectorPath
        }
    }

    public struct Conversion: Sendable {
        public var toStorage: @Sendable (JSONValue) -> JSONValue
        public var fromStorage: @Sendable (JSONValue) -> JSONValue
    }

    public static let standardVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

    public init(
        group: String, version: String, resource: String, kind: String, namespaced: Bool,
        shortNames: [String] = [], categories: [String] = [], verbs: [String] = ResourceDefinition.standardVerbs,
        subresources: [String] = [], storageResource: String? = nil, tracksGeneration: Bool = false,
        openAPIName: String? = nil
    ) {
        self.group = group
        self.version = version
        self.resource = resource
        self.kind = kind
        self.singular = kind.lowercased()
        self.namespaced = namespaced
        self.shortNames = shortNames
        self.categories = categories
        self.verbs = verbs
        self.subresources = subresources
        self.storageResource = storageResource ?? (group.isEmpty || !group.contains(".") ? resource : "\(group)/\(resource)")
        self.tracksGeneration = tracksGeneration
        self.scale = nil
        self.printer = nil
        self.selectableFields = nil
        self.defaulter = nil
        self.preserveOnUpdate = nil
        self.validator = nil
        self.nameValidator = { Validation.dns1123Subdomain($0) }
        self.schema = nil
        self.storageVersion = version
        self.isCustom = false
        self.openAPIName = openAPIName
        self.conversion = nil
    }

    public var groupVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// `deployments.apps`, `configmaps`.
    public var groupResource: String { group.isEmpty ? resource : "\(resource).\(group)" }
    public var hasStatus: Bool { subresources.contains("status") }

    public func storageKey(namespace: String?, name: String) -> String {
        if namespaced, let namespace { return "/registry/\(storageResource)/\(namespace)/\(name)" }
        return "/registry/\(storageResource)/\(name)"
    }

    /// Prefix for a list: a namespace, or every namespace.
    public func storagePrefix(namespace: String?) -> String {
        if namespaced, let namespace { return "/registry/\(storageResource)/\(namespace)/" }
        return "/registry/\(storageResource)/"
    }
}

extension ResourceDefinition {
    func with(_ change: (inout ResourceDefinition) -> Void) -> ResourceDefinition {
        var copy = self
        change(&copy)
        return copy
    }
}
