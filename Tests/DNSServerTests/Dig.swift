import ChildProcesses
import Foundation

/// The real `dig` (dnsutils) against a local port: rcode, header flags and sections,
/// each record as `name TTL IN TYPE data` with single spaces.
struct Dig {
    var status: String
    var flags: Set<String>
    var answer: [String]
    var authority: [String]
    var additional: [String]
    var raw: String

    /// Runs dig on a thread of its own (see `offCooperativePool`).
    static func query(port: Int, _ arguments: [String]) async throws -> Dig {
        let output = try await offCooperativePool {
            try SpawnedProcess.run(
                executable: "/usr/bin/dig",
                arguments: ["@127.0.0.1", "-p", "\(port)", "+norec", "+time=2", "+tries=1", "+nocmd", "+nostats"] + arguments)
        }
        // dig prints its errors on stdout too; stderr after it, as one stream did before.
        return parse(String(decoding: output.standardOutput + output.standardError, as: UTF8.self))
    }

    static func parse(_ text: String) -> Dig {
        var dig = Dig(status: "", flags: [], answer: [], authority: [], additional: [], raw: text)
        var section = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if let range = line.range(of: "status: ") {
                dig.status = String(line[range.upperBound...].prefix { $0 != "," })
            } else if line.hasPrefix(";; flags:") {
                let flags = line.dropFirst(";; flags:".count).prefix { $0 != ";" }
                dig.flags = Set(flags.split(separator: " ").map(String.init))
            } else if line.hasPrefix(";; ") && line.hasSuffix("SECTION:") {
                section = line
            } else if line.isEmpty || line.hasPrefix(";") {
                continue
            } else {
                let record = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
                switch section {
                case ";; ANSWER SECTION:": dig.answer.append(record)
                case ";; AUTHORITY SECTION:": dig.authority.append(record)
                case ";; ADDITIONAL SECTION:": dig.additional.append(record)
                default: dig.answer.append(record)  // +short, AXFR
                }
            }
        }
        return dig
    }
}
