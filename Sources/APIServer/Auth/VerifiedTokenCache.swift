import Crypto
import Foundation
import Synchronization

/// Bearer tokens whose signature has been checked, remembered for a short while as
/// kube-apiserver's token cache does (successes for 10 s, never past the token's own
/// expiry; failures are not remembered). Keyed by the token's SHA-256, so the cache holds
/// no usable credential.
final class VerifiedTokenCache: Sendable {
    private struct Entry {
        var user: UserInfo
        var until: Date
    }

    static let timeToLive: TimeInterval = 10
    /// Past this many entries the expired ones go; if none has, everything does.
    static let capacity = 4096

    private let entries = Mutex<[SHA256Digest: Entry]>([:])
    private let now: @Sendable () -> Date

    init(now: @escaping @Sendable () -> Date = Date.init) {
        self.now = now
    }

    func user(for token: String) -> UserInfo? {
        let key = SHA256.hash(data: Data(token.utf8))
        let now = now()
        return entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            if entry.until > now { return entry.user }
            entries[key] = nil
            return nil
        }
    }

    /// Remembers a verified token; `expires` is the token's `exp` (Unix seconds).
    func insert(_ token: String, user: UserInfo, expires: Int64) {
        let key = SHA256.hash(data: Data(token.utf8))
        let now = now()
        let until = min(now.addingTimeInterval(Self.timeToLive), Date(timeIntervalSince1970: TimeInterval(expires)))
        entries.withLock { entries in
            if entries.count >= Self.capacity {
                entries = entries.filter { $0.value.until > now }
                if entries.count >= Self.capacity { entries.removeAll() }
            }
            entries[key] = Entry(user: user, until: until)
        }
    }

    var count: Int { entries.withLock { $0.count } }
}
