import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

extension KubeHTTPClient {
    /// client-go's precedence: a token file (re-read; the static token is its fallback),
    /// else a static token (sent by `makeRequest`, nothing to refresh), else an exec plugin.
    static func credentialProvider(for configuration: ClientConfiguration) -> (any CredentialProvider)? {
        if let file = configuration.tokenFile {
            return TokenFileCredentialProvider(path: file, fallbackToken: configuration.token)
        }
        if configuration.token == nil, let plugin = configuration.exec {
            return ExecCredentialProvider(plugin: plugin)
        }
        return nil
    }

    /// Puts the provider's current credential on `request`: the bearer token, and a client
    /// certificate from an exec plugin (when the kubeconfig has none of its own) as a
    /// per-request TLS configuration, so a rotated certificate opens new connections.
    /// Returns the credential used, to report a 401 against.
    func authorize(_ request: inout HTTPClientRequest) async throws -> Credential? {
        guard let credentials else { return nil }
        let credential = try await credentials.credential()
        if let token = credential.token {
            request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token)")
        }
        if configuration.clientCertificatePEM == nil, let cert = credential.clientCertificatePEM, let key = credential.clientKeyPEM {
            var tls = baseTLS
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(cert.utf8)).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem))
            } catch {
                throw KubeClientError.configuration("bad client certificate or key from the exec plugin: \(error)")
            }
            request.tlsConfiguration = tls
        }
        return credential
    }

    /// Sends `request` with current credentials; a 401 makes the provider fetch new ones for
    /// the next request (the response is still returned).
    func execute(_ request: HTTPClientRequest, timeout: TimeAmount, describe: String) async throws -> HTTPClientResponse {
        var request = request
        let used = try await authorize(&request)
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: timeout)
        } catch {
            throw KubeClientError.transport("\(describe): \(error)")
        }
        if response.status == .unauthorized, let used, let credentials { await credentials.rejected(used) }
        return response
    }
}

/// Where requests go. With a `tls-server-name` the URL names that host (so AsyncHTTPClient
/// sends it as SNI and verifies the certificate against it), a DNS override sends the
/// connection to the real host, and the `Host` header keeps the server's authority, as
/// kubectl does.
struct ServerRoute: Sendable, Equatable {
    var baseURL: String
    var hostHeader: String?
    var dnsOverride: [String: String] = [:]

    init(_ configuration: ClientConfiguration) throws(KubeClientError) {
        baseURL = configuration.server
        guard let name = configuration.tlsServerName, !name.isEmpty else { return }
        guard var components = URLComponents(string: configuration.server), let host = components.host, !host.isEmpty,
            let schemeEnd = configuration.server.range(of: "://")
        else {
            throw .configuration("server \(configuration.server) is not a URL")
        }
        let bareHost = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard components.scheme?.lowercased() == "https", name.lowercased() != bareHost.lowercased() else { return }
        // NIOSSL checks IP SANs against the peer's address, never against a name it is given.
        guard (try? SocketAddress(ipAddress: name, port: 0)) == nil else {
            throw .configuration("tls-server-name \(name) is an IP address; only DNS names are supported")
        }
        components.host = name
        guard let url = components.string else { throw .configuration("tls-server-name \(name) is not a valid host name") }
        baseURL = url
        hostHeader = String(configuration.server[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" })
        dnsOverride = [name: bareHost]
    }
}
