import Foundation
import Synchronization

/// Loopback ports for the servers tests start (etcd, BIND, PowerDNS, the API server...).
///
/// A port is checked free and then bound by the server a moment later, so two tests asking
/// at once must not get the same one: a CI run saw two BIND servers on one port (named binds
/// with SO_REUSEPORT, so the second shared the first's port without an error, and the test
/// talked to the wrong server until that one stopped). So ports are never handed out twice
/// in one process, and they come from below the kernel's ephemeral range, where outgoing
/// connections (tests open many) cannot take them between the check and the bind.
public enum LoopbackPorts {
    public struct Exhausted: Error, CustomStringConvertible {
        public var description: String
    }

    /// Every port handed out by this process (a few hundred at most in a test run).
    private static let handedOut = Mutex<Set<Int>>([])

    /// `count` distinct ports free for both TCP and UDP on 127.0.0.1 right now.
    public static func free(_ count: Int) throws(Exhausted) -> [Int] {
        let candidates = 10_000..<max(ephemeralRangeStart, 10_001)
        var ports: [Int] = []
        var attempts = 0
        while ports.count < count {
            attempts += 1
            guard attempts < 10_000 else { throw Exhausted(description: "no free loopback port below \(candidates.upperBound)") }
            let port = Int.random(in: candidates)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            if isFree(port, stream: true) && isFree(port, stream: false) { ports.append(port) }
        }
        return ports
    }

    /// One port free for both TCP and UDP on 127.0.0.1 right now.
    public static func free() throws(Exhausted) -> Int { try free(1)[0] }

    /// The first port of `net.ipv4.ip_local_port_range` (32768 when it cannot be read).
    static var ephemeralRangeStart: Int {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        return text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32768
    }

    /// Whether a TCP or UDP socket can bind 127.0.0.1:`port` (it is closed again).
    private static func isFree(_ port: Int, stream: Bool) -> Bool {
        let fd = socket(AF_INET, Int32(stream ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
