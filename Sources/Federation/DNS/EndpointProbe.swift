import AsyncHTTPClient
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Runs one probe: a TCP connect (closed at once with a reset, so probes leave no
/// TIME_WAIT behind), or an HTTP(S) GET whose status must match.
public struct EndpointProbe: Sendable {
    let group: any EventLoopGroup
    let http: HTTPClient

    public init(group: any EventLoopGroup, http: HTTPClient) {
        self.group = group
        self.http = http
    }

    /// nil when the endpoint passed; why it failed otherwise.
    public func run(_ target: ProbeTarget, timeout: Duration) async -> String? {
        switch target.check {
        case .tcp: return await connect(target, timeout: timeout)
        case .http(let path, let expected, let tls): return await get(target, path: path, expected: expected, tls: tls, timeout: timeout)
        }
    }

    private func connect(_ target: ProbeTarget, timeout: Duration) async -> String? {
        do {
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(timeout))
                .connect(host: target.host, port: target.port).get()
            if let socket = channel as? any SocketOptionProvider {
                try? await socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
            }
            try? await channel.close().get()
            return nil
        } catch {
            return Self.reason(error)
        }
    }

    /// A short reason for a failed connect: "connection refused", "timed out", or NIO's words.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError:
            return error.connectionErrors.first.map { reason($0.error) } ?? error.dnsAError.map(reason) ?? "\(error)"
        case ChannelError.connectTimeout:
            return "timed out"
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            return "connection refused"
        case let error as IOError where error.errnoCode == EHOSTUNREACH || error.errnoCode == ENETUNREACH:
            return "unreachable"
        default:
            return "\(error)"
        }
    }

    private func get(_ target: ProbeTarget, path: String, expected: Int, tls: Bool, timeout: Duration) async -> String? {
        let url = "\(tls ? "https" : "http")://\(target.description)\(path.hasPrefix("/") ? path : "/" + path)"
        let request = HTTPClientRequest(url: url)
        do {
            let response = try await http.execute(request, timeout: TimeAmount(timeout))
            let status = Int(response.status.code)
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return status == expected ? nil : "status \(status), expected \(expected)"
        } catch {
            return "\(error)"
        }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
