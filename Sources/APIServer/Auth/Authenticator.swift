import Foundation

/// Bearer-token authentication: the server's static tokens, then service account JWTs.
public struct Authenticator: Sendable {
    private let tokens: [String: UserInfo]
    let serviceAccounts: ServiceAccountTokens?

    public init(tokens: [String: UserInfo], serviceAccounts: ServiceAccountTokens? = nil) {
        self.tokens = tokens
        self.serviceAccounts = serviceAccounts
    }

    public func authenticate(bearer: String) -> UserInfo? {
        if let user = tokens[bearer] { return user }
        if bearer.split(separator: ".").count == 3 { return serviceAccounts?.verify(bearer) }
        return nil
    }
}
