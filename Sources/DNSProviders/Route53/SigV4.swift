import Crypto
import Foundation

/// AWS Signature Version 4 for one request (the `Authorization` and `X-Amz-Date` headers).
struct SigV4: Sendable {
    let accessKeyID: String
    let secretAccessKey: String
    let region: String
    let service: String

    /// The headers to add to a request of `method` to `host` + `path` with `query` and `body`.
    func headers(method: String, host: String, path: String, query: [(String, String)], body: [UInt8], date: Date) -> [(String, String)] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let amzDate = formatter.string(from: date)
        let day = String(amzDate.prefix(8))
        let signedHeaders = "host;x-amz-date"
        let canonicalRequest = [
            method,
            path.split(separator: "/", omittingEmptySubsequences: false).map { URLEncoding.encode(String($0)) }.joined(separator: "/"),
            URLEncoding.query(query), "host:\(host)\nx-amz-date:\(amzDate)\n", signedHeaders, Self.hex(SHA256.hash(data: body)),
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Self.hex(SHA256.hash(data: Array(canonicalRequest.utf8)))].joined(
            separator: "\n")
        var key = SymmetricKey(data: Array("AWS4\(secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        return [
            ("X-Amz-Date", amzDate),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
            ),
        ]
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
