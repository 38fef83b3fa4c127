import Foundation
import NIOHTTP1

/// An Azure AD (Microsoft Entra ID) token by the client-credentials grant (v1 endpoint
/// `{authority}/{tenant}/oauth2/token` with `resource`), kept until five minutes before it
/// expires.
actor AzureADToken {
    let tokenURL: String
    let form: [(String, String)]
    let http: ProviderHTTP
    private var cached: (token: String, expires: ContinuousClock.Instant)?

    init(authority: String, tenant: String, clientID: String, secret: String, resource: String, http: ProviderHTTP) {
        tokenURL = "\(authority)/\(URLEncoding.encode(tenant))/oauth2/token"
        form = [("grant_type", "client_credentials"), ("client_id", clientID), ("client_secret", secret), ("resource", resource)]
        self.http = http
    }

    struct Answer: Decodable {
        var access_token: String
        var expires_in: Expiry

        /// v1 sends expires_in as a string, v2 as a number.
        struct Expiry: Decodable {
            var seconds: Int
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let number = try? container.decode(Int.self) {
                    seconds = number
                } else {
                    seconds = Int(try container.decode(String.self)) ?? 0
                }
            }
        }
    }

    /// A valid bearer token; `refresh` drops the cached one (after a 401).
    func token(refresh: Bool = false) async throws(DNSProviderError) -> String {
        if !refresh, let cached, ContinuousClock.now < cached.expires { return cached.token }
        let body = form.map { "\(URLEncoding.encode($0.0))=\(URLEncoding.encode($0.1))" }.joined(separator: "&")
        let response = try await http.send(
            .POST, tokenURL, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8))
        let answer: Answer
        do { answer = try JSONDecoder().decode(Answer.self, from: Data(response.body)) } catch {
            throw .badResponse("token endpoint: \(error)")
        }
        cached = (answer.access_token, ContinuousClock.now + .seconds(max(0, answer.expires_in.seconds - 300)))
        return answer.access_token
    }
}
