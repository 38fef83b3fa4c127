import Crypto
import Foundation
import KubeAPI

/// Issues and verifies service account tokens: ES256 JWTs with Kubernetes' claims,
/// signed by a key the server keeps in its data directory.
public struct ServiceAccountTokens: Sendable {
    let key: P256.Signing.PrivateKey
    let issuer: String

    public init(key: P256.Signing.PrivateKey, issuer: String = "https://kubernetes.default.svc.cluster.local") {
        self.key = key
        self.issuer = issuer
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func fromBase64URL(_ s: String) -> Data? {
        var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        return Data(base64Encoded: b)
    }

    public func sign(claims: JSONValue) throws -> String {
        let header: JSONValue = ["alg": "ES256", "typ": "JWT", "kid": .string(keyID)]
        let signingInput = Self.base64URL(Data(header.serialized())) + "." + Self.base64URL(Data(claims.serialized()))
        let signature = try key.signature(for: Data(signingInput.utf8))
        return signingInput + "." + Self.base64URL(signature.rawRepresentation)
    }

    var keyID: String {
        let digest = SHA256.hash(data: key.publicKey.derRepresentation)
        return Self.base64URL(Data(digest)).prefix(16).description
    }

    /// Answers a `TokenRequest` for a ServiceAccount object.
    func issue(for serviceAccount: JSONValue, request: JSONValue) throws(StatusError) -> JSONValue {
        let ns = serviceAccount["metadata"]["namespace"].stringValue ?? ""
        let name = serviceAccount["metadata"]["name"].stringValue ?? ""
        let expiration = max(600, request["spec"]["expirationSeconds"].intValue ?? 3600)
        let now = Int64(Date().timeIntervalSince1970)
        let audiences = request["spec"]["audiences"].arrayValue ?? [.string(issuer)]
        let claims: JSONValue = [
            "iss": .string(issuer), "sub": .string("system:serviceaccount:\(ns):\(name)"), "aud": .array(audiences),
            "iat": .int(now), "nbf": .int(now), "exp": .int(now + expiration),
            "kubernetes.io": [
                "namespace": .string(ns),
                "serviceaccount": ["name": .string(name), "uid": serviceAccount["metadata"]["uid"]],
            ],
        ]
        let token: String
        do {
            token = try sign(claims: claims)
        } catch {
            throw StatusError.internalError("signing token: \(error)")
        }
        var response = request
        response["apiVersion"] = "authentication.k8s.io/v1"
        response["kind"] = "TokenRequest"
        response["metadata"] = ["name": .string(name), "namespace": .string(ns), "creationTimestamp": nil]
        response["spec"]["expirationSeconds"] = .int(expiration)
        response["spec"]["audiences"] = .array(audiences)
        response["status"] = [
            "token": .string(token),
            "expirationTimestamp": .string(Timestamp.format(Date(timeIntervalSince1970: TimeInterval(now + expiration)))),
        ]
        return response
    }

    /// The identity a token proves, if its signature and lifetime check out.
    public func verify(_ token: String) -> UserInfo? { verifyWithExpiry(token)?.user }

    /// The identity a token proves and when the token expires (Unix seconds).
    func verifyWithExpiry(_ token: String) -> (user: UserInfo, expires: Int64)? {
        let parts = token.split(separator: ".").map(String.init)
        guard parts.count == 3, let sig = Self.fromBase64URL(parts[2]), let payload = Self.fromBase64URL(parts[1]),
            let signature = try? P256.Signing.ECDSASignature(rawRepresentation: sig),
            key.publicKey.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8)),
            let claims = try? JSONParser.parse(Array(payload)), claims["iss"].stringValue == issuer,
            let exp = claims["exp"].intValue, exp > Int64(Date().timeIntervalSince1970),
            let sub = claims["sub"].stringValue
        else { return nil }
        let ns = claims["kubernetes.io"]["namespace"].stringValue ?? ""
        let user = UserInfo(
            name: sub, groups: ["system:serviceaccounts", "system:serviceaccounts:\(ns)", "system:authenticated"],
            uid: claims["kubernetes.io"]["serviceaccount"]["uid"].stringValue ?? "")
        return (user, exp)
    }
}

/// The `serviceaccounts/token` endpoint's issuer; refuses when the server has no signing key.
struct TokenIssuer: Sendable {
    let tokens: ServiceAccountTokens?

    func issue(for serviceAccount: JSONValue, request: JSONValue) async throws(StatusError) -> JSONValue {
        guard let tokens else { throw StatusError.serviceUnavailable("this server has no service account signing key") }
        return try tokens.issue(for: serviceAccount, request: request)
    }
}
