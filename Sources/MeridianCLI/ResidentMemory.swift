import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Start-up touches much more code than a running server uses (certificate generation,
/// schema tables, argument parsing), and the kernel maps code in 64 KiB runs around each
/// fault. Once a server is up, its clean code pages are dropped from the process so that
/// only the code it keeps running comes back: the resident set is then what the server
/// really uses. Only executable, file-backed mappings with no private (anonymous) pages
/// are touched: their content is the file's, read back on the next use.
enum ResidentMemory {
    struct Mapping {
        var start: UInt
        var end: UInt
        var permissions: Substring
        var path: Substring
        var anonymousKiB = 0
    }

    static func mappings(_ smaps: String) -> [Mapping] {
        var result: [Mapping] = []
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = fields.first, first.contains("-"), !first.hasSuffix(":") {
                let bounds = first.split(separator: "-")
                guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16), fields.count >= 2
                else { continue }
                result.append(Mapping(start: start, end: end, permissions: fields[1], path: fields.count >= 6 ? fields[5] : ""))
            } else if fields.first == "Anonymous:", fields.count >= 2, let kib = Int(fields[1]), !result.isEmpty {
                result[result.count - 1].anonymousKiB = kib
            }
        }
        return result
    }

    /// Drops the resident pages of clean executable mappings; returns how many bytes of
    /// address space were advised.
    @discardableResult
    static func releaseStartupCode() -> Int {
        guard let smaps = readProcFile("/proc/self/smaps") else { return 0 }
        var released = 0
        for mapping in mappings(smaps)
        where mapping.permissions.hasPrefix("r-x") && mapping.permissions.hasSuffix("p") && mapping.path.hasPrefix("/")
            && mapping.anonymousKiB == 0
        {
            let length = Int(mapping.end - mapping.start)
            if madvise(UnsafeMutableRawPointer(bitPattern: mapping.start), length, MADV_DONTNEED) == 0 { released += length }
        }
        return released
    }

    /// The whole of a /proc file. procfs answers each read() with at most a page or so of
    /// text, and `String(contentsOfFile:)` stops after the first read: for smaps it saw
    /// only the first two mappings (the binary's), never the shared libraries.
    static func readProcFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
