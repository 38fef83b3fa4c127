import AsyncHTTPClient
import Foundation
import KubeAPI
import NIOCore
import NIOHTTP1
import NIOSSL

/// An API server response: status code and body.
public struct KubeResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    public var contentType: String? = nil

    public func json() throws -> JSONValue { try JSONParser.parse(body) }

    /// The `Status` error a failed response carries.
    public var statusError: StatusError? {
        guard status >= 400 else { return nil }
        let s = (try? JSONParser.parse(body)) ?? .null
        return StatusError(
            code: status, reason: s["reason"].stringValue.flatMap(StatusReason.init(rawValue:)),
            message: s["message"].stringValue ?? String(decoding: body, as: UTF8.self))
    }
}

/// HTTP(S) transport to one API server (HTTP/2 when offered), with the credentials of a
/// kubeconfig context.
public final class KubeHTTPClient: Sendable {
    public let configuration: ClientConfiguration
    let http: HTTPClient
    /// Token file or exec plugin credentials, asked before every request.
    public let credentials: (any CredentialProvider)?
    let route: ServerRoute
    let baseTLS: TLSConfiguration

    /// `http1Only` opens a connection per concurrent request instead of multiplexing
    /// (long-lived watches beyond a server's HTTP/2 stream limit).
    /// `connectTimeout` bounds how long a request keeps retrying an unreachable server
    /// (health probes want a short one).
    public init(
        _ configuration: ClientConfiguration, maxConnections: Int = 8, http1Only: Bool = false, connectTimeout: TimeAmount = .seconds(10)
    ) throws {
        self.configuration = configuration
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if let ca = configuration.caPEM {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(ca.utf8)))
            }
            if let cert = configuration.clientCertificatePEM, let key = configuration.clientKeyPEM {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(cert.utf8)).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem))
            }
        } catch {
            throw KubeClientError.configuration("bad certificate or key: \(error)")
        }
        if configuration.insecureSkipTLSVerify { tls.certificateVerification = .none }
        baseTLS = tls
        route = try ServerRoute(configuration)
        credentials = Self.credentialProvider(for: configuration)
        var config = HTTPClient.Configuration(tlsConfiguration: tls)
        config.dnsOverride = route.dnsOverride
        config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = maxConnections
        config.timeout.connect = connectTimeout
        if http1Only { config.httpVersion = .http1Only }
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
    }

    public func shutdown() async {
        try? await http.shutdown()
    }

    func makeRequest(_ method: HTTPMethod, _ path: String, body: [UInt8]?, contentType: String?, accept: String?) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: route.baseURL + path)
        request.method = method
        if let host = route.hostHeader { request.headers.add(name: "Host", value: host) }
        if let token = configuration.token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
            request.headers.add(name: "Content-Type", value: contentType ?? "application/json")
        }
        request.headers.add(name: "Accept", value: accept ?? "application/json")
        request.headers.add(name: "User-Agent", value: "meridian/0.1")
        return request
    }

    /// One request, body collected (up to 256 MiB).
    public func request(
        _ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, contentType: String? = nil, accept: String? = nil,
        timeout: TimeAmount = .seconds(60)
    ) async throws -> KubeResponse {
        let request = makeRequest(method, path, body: body, contentType: contentType, accept: accept)
        let response = try await execute(request, timeout: timeout, describe: "\(method) \(path)")
        let body = try await Self.collect(response, describe: "\(method) \(path)")
        return KubeResponse(status: Int(response.status.code), body: body, contentType: response.headers.first(name: "Content-Type"))
    }

    /// The most of one response body `request` keeps.
    static let maxBodyBytes = 256 * 1024 * 1024

    /// Reads a whole body into one array, sized up front from Content-Length when the server
    /// sends it: a 15 MB LIST collected into a growing buffer was copied several times over.
    static func collect(_ response: HTTPClientResponse, describe: String) async throws -> [UInt8] {
        var body: [UInt8] = []
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init) {
            guard length <= maxBodyBytes else {
                throw KubeClientError.transport("\(describe): response body of \(length) bytes exceeds \(maxBodyBytes)")
            }
            body.reserveCapacity(length)
        }
        do {
            for try await chunk in response.body {
                guard body.count + chunk.readableBytes <= maxBodyBytes else {
                    throw KubeClientError.transport("\(describe): response body exceeds \(maxBodyBytes) bytes")
                }
                body.append(contentsOf: chunk.readableBytesView)
            }
        } catch let error as KubeClientError {
            throw error
        } catch {
            throw KubeClientError.transport("\(describe): \(error)")
        }
        return body
    }

    /// A watch (or any streaming GET): calls `onLine` for every newline-terminated chunk
    /// until the server ends the stream or `onLine` returns false.
    public func stream(_ path: String, timeout: TimeAmount = .hours(1), onLine: ([UInt8]) async throws -> Bool) async throws -> Int {
        try await stream(makeRequest(.GET, path, body: nil, contentType: nil, accept: nil), path: path, timeout: timeout, onLine: onLine)
    }

    /// A streaming POST (etcd's watch gateway).
    public func streamPOST(_ path: String, body: [UInt8], timeout: TimeAmount = .hours(1), onLine: ([UInt8]) async throws -> Bool)
        async throws -> Int
    {
        try await stream(makeRequest(.POST, path, body: body, contentType: nil, accept: nil), path: path, timeout: timeout, onLine: onLine)
    }

    func stream(_ request: HTTPClientRequest, path: String, timeout: TimeAmount, onLine: ([UInt8]) async throws -> Bool) async throws -> Int
    {
        let response = try await execute(request, timeout: timeout, describe: "\(request.method) \(path)")
        var pending: [UInt8] = []
        for try await chunk in response.body {
            pending.append(contentsOf: chunk.readableBytesView)
            // Lines are cut from `start` and the consumed prefix dropped once per chunk: a
            // chunk holding thousands of watch events must not shift the rest per line.
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[start..<newline])
                start = newline + 1
                if !(try await onLine(line)) { return Int(response.status.code) }
            }
            pending.removeSubrange(..<start)
        }
        // A body without a final newline (an error Status) still reaches the caller.
        if !pending.isEmpty { _ = try await onLine(pending) }
        return Int(response.status.code)
    }
}
