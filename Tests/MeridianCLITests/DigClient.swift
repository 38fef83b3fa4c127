import Foundation

/// Answers of the real `dig` (dnsutils) from a local DNS port.
enum DigClient {
    struct Answer: Equatable, CustomStringConvertible {
        var status: String
        /// Answer records as `name TYPE data` (TTL left out: caches count it down).
        var records: [String]

        var description: String { "\(status) \(records)" }
        /// The data of the A and AAAA records.
        var addresses: Set<String> {
            Set(
                records.compactMap { line in
                    let parts = line.split(separator: " ")
                    return parts.count == 3 && (parts[1] == "A" || parts[1] == "AAAA") ? String(parts[2]) : nil
                })
        }
    }

    static func query(port: Int, _ name: String, _ type: String = "A", server: String = "127.0.0.1", tcp: Bool = false) throws -> Answer {
        let result = try run(
            "/usr/bin/dig",
            ["@\(server)", "-p", "\(port)", "+norec", "+time=1", "+tries=1", "+noall", "+answer", "+comments"] + (tcp ? ["+tcp"] : [])
                + [name, type])
        var answer = Answer(status: "", records: [])
        for line in result.output.split(separator: "\n") {
            if let range = line.range(of: "status: ") {
                answer.status = String(line[range.upperBound...].prefix { $0 != "," })
            } else if !line.hasPrefix(";") {
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                if fields.count >= 5 { answer.records.append(([fields[0], fields[3]] + fields[4...]).joined(separator: " ")) }
            }
        }
        return answer
    }

    /// Queries until `accept` holds or `timeout` passes; returns the last answer and how long it took.
    static func eventually(
        port: Int, _ name: String, _ type: String = "A", timeout: Duration, every: (Answer) -> Void = { _ in },
        _ accept: (Answer) -> Bool
    ) throws -> (answer: Answer, elapsed: Duration) {
        let start = ContinuousClock.now
        var last = try query(port: port, name, type)
        every(last)
        while !accept(last) && ContinuousClock.now - start < timeout {
            usleep(50_000)
            last = try query(port: port, name, type)
            every(last)
        }
        return (last, ContinuousClock.now - start)
    }

    /// The port a `meridian serve`/`up` process printed for its DNS server.
    static func port(of process: MeridianProcess, timeout: Duration = .seconds(30)) throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let range = process.log.range(of: "DNS server listening on 127.0.0.1:") {
                let digits = process.log[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) { return port }
            }
            usleep(50_000)
        }
        throw MeridianProcess.Failure("no DNS port in the log: \(process.log)")
    }
}
