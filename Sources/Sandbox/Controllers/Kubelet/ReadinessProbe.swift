import Foundation
import KubeAPI

#if canImport(Glibc)
    import Glibc
#endif

/// Readiness probes of process containers, against the pod's loopback IP: `tcpSocket`
/// connects; `httpGet` sends a GET and wants a 2xx/3xx status (over HTTPS only the
/// connection is checked: the probe does not speak TLS). Sockets to loopback answer at
/// once; a 1 s receive timeout bounds a silent server.
enum ReadinessProbe {
    struct Target: Equatable {
        var port: Int
        var httpPath: String?
        var https: Bool
    }

    /// The probe of a container, or nil when it has none (ready once started).
    static func target(_ container: JSONValue) -> Target? {
        let probe = container["readinessProbe"]
        guard !probe.isNull else { return nil }
        func port(_ value: JSONValue) -> Int? {
            if let i = value.intValue { return Int(i) }
            guard let name = value.stringValue else { return nil }
            return (container["ports"].arrayValue ?? []).first { $0["name"].stringValue == name }?["containerPort"].intValue.map(Int.init)
        }
        if let p = port(probe["tcpSocket"]["port"]) { return Target(port: p, httpPath: nil, https: false) }
        if let p = port(probe["httpGet"]["port"]) {
            return Target(
                port: p, httpPath: probe["httpGet"]["path"].stringValue ?? "/", https: probe["httpGet"]["scheme"].stringValue == "HTTPS")
        }
        return nil
    }

    static func check(host: String, target: Target) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(target.port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return false }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        guard let path = target.httpPath, !target.https else { return true }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: \(host):\(target.port)\r\nUser-Agent: kube-probe/1.32\r\n\r\n".utf8)
        guard send(fd, request, request.count, 0) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n >= 12 else { return false }
        // "HTTP/1.x NNN"
        let status = Int(String(decoding: buffer[9..<12], as: UTF8.self)) ?? 0
        return (200..<400).contains(status)
    }
}
