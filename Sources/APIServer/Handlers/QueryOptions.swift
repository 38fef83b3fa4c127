import Foundation
import KubeAPI

/// Decoded URL query parameters.
struct QueryOptions: Sendable {
    private var values: [String: [String]] = [:]

    init(query: String?) {
        guard let query, !query.isEmpty else { return }
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(String(kv[0]))
            let value = kv.count > 1 ? Self.decode(String(kv[1])) : ""
            values[key, default: []].append(value)
        }
    }

    private static func decode(_ s: String) -> String {
        s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? s
    }

    subscript(key: String) -> String? { values[key]?.last }
    func all(_ key: String) -> [String] { values[key] ?? [] }

    func bool(_ key: String) -> Bool {
        guard let v = self[key] else { return false }
        return v == "true" || v == "1" || v == ""
    }

    var dryRun: Bool { all("dryRun").contains("All") }
    var fieldManager: String? { self["fieldManager"] }
    var labelSelector: String { self["labelSelector"] ?? "" }
    var fieldSelector: String { self["fieldSelector"] ?? "" }
    var resourceVersion: String? { self["resourceVersion"] }
    var limit: Int { Int(self["limit"] ?? "") ?? 0 }
    var continueToken: String? { self["continue"].flatMap { $0.isEmpty ? nil : $0 } }
    var watch: Bool { bool("watch") }
    var allowWatchBookmarks: Bool { bool("allowWatchBookmarks") }
    var sendInitialEvents: Bool? { self["sendInitialEvents"].map { $0 == "true" || $0 == "1" } }
    var timeoutSeconds: Int? { Int(self["timeoutSeconds"] ?? "") }
    var force: Bool { bool("force") }
    var fieldValidation: String { self["fieldValidation"] ?? "" }

    /// The `timeout` parameter (`30s`, `1m`) kubectl sends with --request-timeout.
    var timeout: Duration? {
        guard let t = self["timeout"], !t.isEmpty else { return nil }
        return Self.parseGoDuration(t)
    }

    static func parseGoDuration(_ s: String) -> Duration? {
        var total = 0.0
        var number = ""
        var unit = ""
        func flush() -> Bool {
            guard let n = Double(number) else { return false }
            switch unit {
            case "ns": total += n / 1e9
            case "us", "µs": total += n / 1e6
            case "ms": total += n / 1e3
            case "s": total += n
            case "m": total += n * 60
            case "h": total += n * 3600
            default: return false
            }
            number = ""
            unit = ""
            return true
        }
        for c in s {
            if c.isNumber || c == "." {
                if !unit.isEmpty { guard flush() else { return nil } }
                number.append(c)
            } else {
                unit.append(c)
            }
        }
        guard !number.isEmpty, flush() else { return nil }
        return .milliseconds(Int64(total * 1000))
    }
}
