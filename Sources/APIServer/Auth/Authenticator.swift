import Foundation

/// Bearer-token authentication: the server's static tokens, then service account JWTs.
public struct Authenticator: Sendable {
    private let tokens: [String: UserInfo]
    let serviceAccounts: ServiceAccountTokens?
    /// Service account tokens already verified: an ES256 check costs more than the rest of
    /// a GET, and a member's federation presents the same token on every request.
    let verified = VerifiedTokenCache()

    public init(tokens: [String: UserInfo], serviceAccounts: ServiceAccountTokens? = nil) {
        self.tokens = tokens
        self.serviceAccounts = serviceAccounts
    }

    public func authenticate(bearer: String) -> UserInfo? {
        if let user = tokens[bearer] { return user }
        guard let serviceAccounts, bearer.split(separator: ".").count == 3 else { return nil }
        if let user = verified.user(for: bearer) { return user }
        guard let proven = serviceAccounts.verifyWithExpiry(bearer) else { return nil }
        verified.insert(bearer, user: proven.user, expires: proven.expires)
        return proven.user
    }
}
