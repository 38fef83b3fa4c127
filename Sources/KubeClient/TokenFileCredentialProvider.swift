import Foundation

/// A `tokenFile` user's token, re-read when older than `refreshInterval` (client-go re-reads
/// once a minute), so rotated tokens (projected service account tokens) are picked up.
/// A read that fails (or finds the file empty) keeps the last good token, else `fallbackToken`.
public actor TokenFileCredentialProvider: CredentialProvider {
    public nonisolated let path: String
    let fallbackToken: String?
    let refreshInterval: Duration
    var cached: (token: String, readAt: ContinuousClock.Instant)?

    public init(path: String, fallbackToken: String? = nil, refreshInterval: Duration = .seconds(60)) {
        self.path = path
        self.fallbackToken = fallbackToken
        self.refreshInterval = refreshInterval
    }

    public func credential() async throws(CredentialError) -> Credential {
        let now = ContinuousClock.now
        if let cached, now - cached.readAt < refreshInterval { return Credential(token: cached.token) }
        let reason: String
        do {
            let token = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            if !token.isEmpty {
                cached = (token, now)
                return Credential(token: token)
            }
            reason = "the file is empty"
        } catch {
            reason = error.localizedDescription
        }
        if let token = cached?.token ?? fallbackToken { return Credential(token: token) }
        throw .tokenFileUnreadable(path: path, reason: reason)
    }
}
