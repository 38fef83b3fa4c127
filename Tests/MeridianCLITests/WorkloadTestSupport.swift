import Foundation
import KubeAPI
import Testing

/// Helpers for the workload controller tests: apply manifests, read objects as JSON,
/// poll until a JSON predicate holds.
extension MeridianProcess {
    /// `kubectl apply -f -` of `manifest`, expecting success.
    func apply(_ manifest: String) throws {
        let r = try kubectl(["apply", "-f", "-"], input: manifest)
        guard r.status == 0 else { throw Failure("apply failed: \(r.error)") }
    }

    /// `kubectl get ARGS -o json`, parsed.
    func json(_ args: [String]) throws -> JSONValue {
        let r = try kubectl(["get"] + args + ["-o", "json"])
        guard r.status == 0 else { throw Failure("get \(args) failed: \(r.error)") }
        return try JSONParser.parse(r.output)
    }

    /// Polls `kubectl get ARGS -o json` until `accept` holds; returns that object.
    @discardableResult
    func eventually(_ args: [String], timeout: Duration = .seconds(30), _ accept: (JSONValue) -> Bool) throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        var last: JSONValue = .null
        while true {
            let r = try kubectl(["get"] + args + ["-o", "json"])
            if r.status == 0, let parsed = try? JSONParser.parse(r.output) {
                last = parsed
                if accept(parsed) { return parsed }
            }
            guard ContinuousClock.now < deadline else {
                throw Failure("kubectl get \(args.joined(separator: " ")) never satisfied the condition; last: \(last.serializedString())")
            }
            usleep(100_000)
        }
    }

    /// The reasons and messages of the events about one object, oldest first.
    func events(about kind: String, _ name: String) throws -> [(reason: String, message: String)] {
        let list = try json(["events", "--field-selector", "involvedObject.kind=\(kind),involvedObject.name=\(name)"])
        return (list["items"].arrayValue ?? [])
            .sorted { ($0["firstTimestamp"].stringValue ?? "") < ($1["firstTimestamp"].stringValue ?? "") }
            .map { ($0["reason"].stringValue ?? "", $0["message"].stringValue ?? "") }
    }
}

extension JSONValue {
    /// `items` of a list, sorted by name.
    var sortedItems: [JSONValue] {
        (self["items"].arrayValue ?? []).sorted { ($0["metadata"]["name"].stringValue ?? "") < ($1["metadata"]["name"].stringValue ?? "") }
    }

    var itemNames: [String] { sortedItems.compactMap { $0["metadata"]["name"].stringValue } }

    /// The status of condition `type` ("True", "False"), nil when absent.
    func conditionStatus(_ type: String) -> String? {
        (self["status"]["conditions"].arrayValue ?? []).first { $0["type"].stringValue == type }?["status"].stringValue
    }
}

/// `name` followed by `-` and a 5-character Kubernetes random suffix.
func hasRandomSuffix(_ name: String, prefix: String) -> Bool {
    guard name.hasPrefix(prefix + "-") else { return false }
    let suffix = name.dropFirst(prefix.count + 1)
    return suffix.count == 5 && suffix.allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) }
}
