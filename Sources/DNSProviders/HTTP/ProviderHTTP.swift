import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Reconcile

/// The HTTP exchanges of the API-based providers: one request, the whole answer, failures
/// as `DNSProviderError` (401/403 unauthorized, other non-2xx rejected, with the body).
struct ProviderHTTP: Sendable {
    struct Response: Sendable {
        var status: Int
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    let client: HTTPClient
    var timeout: Duration = .seconds(30)

    /// Sends the request; a non-2xx status is an error unless `accept` allows it.
    func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil, accept: Set<Int> = []
    ) async throws(DNSProviderError) -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response: Response
        do {
            let answer = try await client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            let bytes = try await answer.body.collect(upTo: 64 << 20)
            response = Response(status: Int(answer.status.code), body: Array(buffer: bytes))
        } catch {
            throw .transport("\(method) \(url): \(error)")
        }
        guard (200..<300).contains(response.status) || accept.contains(response.status) else {
            let message = String(response.text.prefix(500))
            if response.status == 401 || response.status == 403 { throw .unauthorized("\(method) \(url): \(response.status) \(message)") }
            throw .rejected(status: "HTTP \(response.status)", message: "\(method) \(url): \(message)")
        }
        return response
    }
}

/// Percent-encoding as AWS and Azure URLs want it: everything but RFC 3986 unreserved.
enum URLEncoding {
    static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                out.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// `a=b&c=d`, keys sorted, both sides encoded.
    static func query(_ items: [(String, String)]) -> String {
        items.map { (encode($0.0), encode($0.1)) }.sorted { $0 < $1 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }
}
