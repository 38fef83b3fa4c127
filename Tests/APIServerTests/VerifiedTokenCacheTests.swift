import Crypto
import Foundation
import KubeAPI
import Synchronization
import Testing

@testable import APIServer

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

@Suite struct VerifiedTokenCacheTests {
    let alice = UserInfo(name: "system:serviceaccount:ns:alice", groups: ["system:serviceaccounts"], uid: "u1")

    @Test func aVerifiedTokenIsRememberedForTenSeconds() {
        let clock = ManualClock()
        let cache = VerifiedTokenCache(now: { clock.now })
        cache.insert("a.b.c", user: alice, expires: Int64(clock.now.timeIntervalSince1970) + 3600)
        #expect(cache.user(for: "a.b.c") == alice)
        #expect(cache.user(for: "a.b.d") == nil)
        clock.advance(9.9)
        #expect(cache.user(for: "a.b.c") == alice)
        clock.advance(0.2)
        #expect(cache.user(for: "a.b.c") == nil)
        #expect(cache.count == 0)
    }

    @Test func neverPastTheTokensOwnExpiry() {
        let clock = ManualClock()
        let cache = VerifiedTokenCache(now: { clock.now })
        cache.insert("a.b.c", user: alice, expires: Int64(clock.now.timeIntervalSince1970) + 3)
        clock.advance(2.5)
        #expect(cache.user(for: "a.b.c") == alice)
        clock.advance(1)
        #expect(cache.user(for: "a.b.c") == nil)
    }

    @Test func aFullCacheDropsExpiredEntriesFirst() {
        let clock = ManualClock()
        let cache = VerifiedTokenCache(now: { clock.now })
        let exp = Int64(clock.now.timeIntervalSince1970) + 3600
        for i in 0..<(VerifiedTokenCache.capacity - 1) { cache.insert("old.\(i).x", user: alice, expires: exp) }
        clock.advance(11)
        cache.insert("fresh.0.x", user: alice, expires: exp + 11)
        #expect(cache.count == VerifiedTokenCache.capacity)
        cache.insert("fresh.1.x", user: alice, expires: exp + 11)
        #expect(cache.count == 2)
        #expect(cache.user(for: "fresh.0.x") == alice)
    }

    @Test func theAuthenticatorCachesOnlyGoodSignatures() throws {
        let tokens = ServiceAccountTokens(key: P256.Signing.PrivateKey())
        let authenticator = Authenticator(tokens: [:], serviceAccounts: tokens)
        let now = Int64(Date().timeIntervalSince1970)
        let claims: JSONValue = [
            "iss": .string(tokens.issuer), "sub": "system:serviceaccount:ns:alice", "exp": .int(now + 600),
            "kubernetes.io": ["namespace": "ns", "serviceaccount": ["name": "alice", "uid": "u1"]],
        ]
        let good = try tokens.sign(claims: claims)
        let forged = try ServiceAccountTokens(key: P256.Signing.PrivateKey()).sign(claims: claims)
        #expect(authenticator.authenticate(bearer: forged) == nil)
        #expect(authenticator.verified.count == 0)
        let user = try #require(authenticator.authenticate(bearer: good))
        #expect(user.name == "system:serviceaccount:ns:alice")
        #expect(user.groups == ["system:serviceaccounts", "system:serviceaccounts:ns", "system:authenticated"])
        #expect(authenticator.verified.user(for: good) == user)
        #expect(authenticator.authenticate(bearer: good) == user)
        #expect(authenticator.authenticate(bearer: forged) == nil)
    }
}
