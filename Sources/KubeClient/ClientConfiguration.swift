/// Everything needed to talk to one API server.
public struct ClientConfiguration: Sendable, Equatable {
    public var server: String
    public var caPEM: String?
    public var clientCertificatePEM: String?
    public var clientKeyPEM: String?
    /// A static bearer token (for a `tokenFile` user, the file's content when resolved).
    public var token: String?
    /// Re-read by `KubeHTTPClient` (at most once a minute, like client-go); whenever it can be
    /// read, its content is sent instead of `token`.
    public var tokenFile: String?
    /// Run (and its result cached) by `KubeHTTPClient` when neither `token` nor `tokenFile` is
    /// set: its token is the bearer token, its client certificate is used when the
    /// configuration has none of its own.
    public var exec: ExecCredentialPlugin?
    public var insecureSkipTLSVerify: Bool
    /// The name to send in SNI and to verify the serving certificate against, instead of the
    /// host of `server` (a DNS name). Unlike kubectl, NIOSSL also accepts a certificate that
    /// lists the IP address connected to, whatever this name.
    public var tlsServerName: String?
    public var namespace: String

    public init(
        server: String, caPEM: String? = nil, clientCertificatePEM: String? = nil, clientKeyPEM: String? = nil, token: String? = nil,
        insecureSkipTLSVerify: Bool = false, tlsServerName: String? = nil, namespace: String = "default", tokenFile: String? = nil,
        exec: ExecCredentialPlugin? = nil
    ) {
        self.server = server
        self.caPEM = caPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.token = token
        self.tokenFile = tokenFile
        self.exec = exec
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.tlsServerName = tlsServerName
        self.namespace = namespace
    }
}
