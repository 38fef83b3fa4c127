import KubeAPI

/// Validates a custom object (new, old on update): field errors, empty when valid.
public typealias CustomResourceValidator = @Sendable (_ object: JSONValue, _ old: JSONValue?) -> [FieldError]

/// How an API server listens and where it keeps its credentials.
public struct APIServerConfiguration: Sendable {
    public var bindAddress: String
    public var port: Int
    public var dataDirectory: String
    /// Extra names for the serving certificate.
    public var advertiseHosts: [String]
    /// History kept for watches: at least this long and at least this many revisions.
    public var retentionSeconds: Int
    public var retentionRevisions: Int64
    /// Extra validation of custom resources, keyed by `resource.group` (for example
    /// `propagationpolicies.federation.meridian.dev`): what a validating admission step adds
    /// where a CRD's structural schema cannot express a rule. Returned errors make the
    /// write fail with 422 Invalid.
    public var customResourceValidators: [String: CustomResourceValidator] = [:]

    public init(
        bindAddress: String = "127.0.0.1", port: Int = 6443, dataDirectory: String, advertiseHosts: [String] = [],
        retentionSeconds: Int = 300, retentionRevisions: Int64 = 10_000
    ) {
        self.bindAddress = bindAddress
        self.port = port
        self.dataDirectory = dataDirectory
        self.advertiseHosts = advertiseHosts
        self.retentionSeconds = retentionSeconds
        self.retentionRevisions = retentionRevisions
    }
}
