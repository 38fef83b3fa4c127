import Foundation

/// A malformed `--etcd-endpoints` value.
public struct EtcdEndpointError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
}

/// Where the etcd cluster is and how to talk to it.
public struct EtcdConfiguration: Sendable, Hashable {
    /// One etcd client URL (`http://127.0.0.1:2379`, `https://etcd-0:2379`, or `host:port`).
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public var secure: Bool

        public init(host: String, port: Int, secure: Bool) {
            self.host = host
            self.port = port
            self.secure = secure
        }

        /// Parses a client URL; the error names what is wrong with it.
        public init(parsing url: String) throws(EtcdEndpointError) {
            var rest = Substring(url)
            secure = false
            if rest.hasPrefix("https://") {
                secure = true
                rest = rest.dropFirst("https://".count)
            } else if rest.hasPrefix("http://") {
                rest = rest.dropFirst("http://".count)
            } else if rest.contains("://") {
                throw EtcdEndpointError(description: "etcd endpoint \(url): the scheme must be http or https")
            }
            if rest.hasSuffix("/") { rest = rest.dropLast() }
            let hostPart: Substring
            let portPart: Substring
            if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                hostPart = rest[rest.index(after: rest.startIndex)..<close]
                portPart = rest[close...].dropFirst().drop { $0 == ":" }
            } else if let colon = rest.lastIndex(of: ":") {
                hostPart = rest[..<colon]
                portPart = rest[rest.index(after: colon)...]
            } else {
                hostPart = rest
                portPart = "2379"
            }
            guard !hostPart.isEmpty, !hostPart.contains("/") else {
                throw EtcdEndpointError(description: "etcd endpoint \(url) has no host")
            }
            guard let port = Int(portPart), (1...65535).contains(port) else {
                throw EtcdEndpointError(description: "etcd endpoint \(url) has no valid port")
            }
            self.host = String(hostPart)
            self.port = port
        }

        public var description: String { "\(secure ? "https" : "http")://\(host):\(port)" }
    }

    /// Client TLS: the CA that signed etcd's serving certificate and, for mutual TLS, a
    /// client certificate and key (PEM files).
    public struct TLSFiles: Sendable, Hashable {
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?

        public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
        }
    }

    public var endpoints: [Endpoint]
    /// Prepended to every key (each API server's keys already start with `/registry/`).
    public var keyPrefix: String
    public var tls: TLSFiles?
    /// Deadline of every unary request; an unreachable etcd fails requests within it.
    public var requestTimeout: Duration
    /// Messages a watcher may leave unread before it is cut off (as the SQLite store does).
    public var watchBufferLimit: Int

    public init(
        endpoints: [Endpoint], keyPrefix: String = "", tls: TLSFiles? = nil, requestTimeout: Duration = .seconds(5),
        watchBufferLimit: Int = 10_000
    ) {
        self.endpoints = endpoints
        self.keyPrefix = keyPrefix
        self.tls = tls
        self.requestTimeout = requestTimeout
        self.watchBufferLimit = watchBufferLimit
    }

    /// Parses a comma-separated list of client URLs.
    public static func endpoints(parsing list: String) throws(EtcdEndpointError) -> [Endpoint] {
        let parts = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { throw EtcdEndpointError(description: "no etcd endpoints given") }
        var result: [Endpoint] = []
        for part in parts { result.append(try Endpoint(parsing: part)) }
        return result
    }
}
