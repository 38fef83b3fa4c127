import Foundation

/// Credentials that can change while a client runs (a token file, an exec plugin).
/// `KubeHTTPClient` asks for them before every request.
public protocol CredentialProvider: Sendable {
    func credential() async throws(CredentialError) -> Credential
    /// The server answered 401 to a request made with `credential`; the next call should
    /// fetch fresh credentials instead of reusing it.
    func rejected(_ credential: Credential) async
}

extension CredentialProvider {
    public func rejected(_ credential: Credential) async {}
}

/// A bearer token and/or a client certificate, valid until `expiration` when that is set.
public struct Credential: Sendable, Equatable {
    public var token: String?
    public var clientCertificatePEM: String?
    public var clientKeyPEM: String?
    public var expiration: Date?

    public init(token: String? = nil, clientCertificatePEM: String? = nil, clientKeyPEM: String? = nil, expiration: Date? = nil) {
        self.token = token
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.expiration = expiration
    }
}
