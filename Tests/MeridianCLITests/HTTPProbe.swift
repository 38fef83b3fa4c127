import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What one plain HTTP GET to an address got: an answer, a refused connection, or
/// something else.
enum HTTPProbe: Hashable, CustomStringConvertible {
    case answered(status: Int, body: String)
    case refused
    case failed(String)

    var body: String? {
        if case .answered(200, let body) = self { return body }
        return nil
    }

    var description: String {
        switch self {
        case .answered(let status, let body): return "HTTP \(status): \(body)"
        case .refused: return "connection refused"
        case .failed(let why): return "failed: \(why)"
        }
    }

    /// `GET /` on `ip:port` over a fresh connection, reading until the server closes it.
    static func get(_ ip: String, _ port: Int, timeoutSeconds: Int = 5) -> HTTPProbe {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .failed("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, ip, &address.sin_addr) == 1 else { return .failed("bad address \(ip)") }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if connected != 0 {
            return errno == ECONNREFUSED ? .refused : .failed("connect: \(String(cString: strerror(errno)))")
        }
        let request = Array("GET / HTTP/1.1\r\nHost: \(ip):\(port)\r\nUser-Agent: meridian-tests\r\nAccept: */*\r\n\r\n".utf8)
        guard send(fd, request, request.count, 0) == request.count else { return .failed("send: \(String(cString: strerror(errno)))") }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 { return .failed("recv: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            response += buffer[0..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n"), let status = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            return .failed("no HTTP response: \(text)")
        }
        return .answered(status: status, body: String(text[split.upperBound...]))
    }

    /// Probes until `accept` holds, or returns the last probe after `timeout`.
    static func eventually(
        _ ip: String, _ port: Int, timeout: Duration = .seconds(30), _ accept: (HTTPProbe) -> Bool
    ) -> HTTPProbe {
        let deadline = ContinuousClock.now + timeout
        var last = get(ip, port)
        while !accept(last) && ContinuousClock.now < deadline {
            usleep(100_000)
            last = get(ip, port)
        }
        return last
    }
}

/// A listening TCP socket held by the test, to take an address away from the sandbox.
/// SO_REUSEADDR lets it bind past TIME_WAIT connections of an earlier run; on Linux it
/// still keeps any other listener off the address.
final class PortSquatter {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let fd: Int32
    private var open = true

    init(_ ip: String, _ port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, ip, &address.sin_addr)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 1) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "cannot listen on \(ip):\(port): \(reason)")
        }
    }

    func release() {
        if open { close(fd) }
        open = false
    }

    deinit { release() }
}
