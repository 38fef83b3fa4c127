import Foundation
import KubeAPI

/// Shared pieces of the built-in table printers.
enum Cells {
    static let nameColumn = TableColumn("Name", format: "name", description: "Name must be unique within a namespace.")
    static let ageColumn = TableColumn(
        "Age", description: "CreationTimestamp is a timestamp representing the server time when this object was created.")

    static func name(_ o: JSONValue) -> JSONValue { o["metadata"]["name"] }

    static func age(_ o: JSONValue) -> JSONValue {
        age(of: o["metadata"]["creationTimestamp"])
    }

    static func age(of timestamp: JSONValue) -> JSONValue {
        guard let s = timestamp.stringValue, let d = Timestamp.parse(s) else { return "<unknown>" }
        return .string(Timestamp.humanAge(since: d))
    }

    static func int(_ v: JSONValue) -> JSONValue { .int(v.intValue ?? 0) }

    static func count(_ v: JSONValue) -> JSONValue {
        .int(Int64(v.objectValue?.count ?? v.arrayValue?.count ?? 0))
    }

    static func orNone(_ s: String?) -> JSONValue {
        guard let s, !s.isEmpty else { return "<none>" }
        return .string(s)
    }

    static func selectorString(_ selector: JSONValue) -> String {
        if let matchLabelsOnly = selector.objectValue, matchLabelsOnly["matchLabels"] == nil,
            matchLabelsOnly["matchExpressions"] == nil, matchLabelsOnly.values.allSatisfy({ $0.stringValue != nil })
        {
            // A Service selector is a plain map.
            return matchLabelsOnly.keys.sorted().map { "\($0)=\(matchLabelsOnly[$0]!.stringValue!)" }.joined(separator: ",")
        }
        guard let s = try? LabelSelector.from(object: selector) else { return "<invalid>" }
        return s.description
    }

    static func containerNames(_ podSpec: JSONValue) -> JSONValue {
        orNone((podSpec["containers"].arrayValue ?? []).compactMap { $0["name"].stringValue }.joined(separator: ","))
    }

    static func containerImages(_ podSpec: JSONValue) -> JSONValue {
        orNone((podSpec["containers"].arrayValue ?? []).compactMap { $0["image"].stringValue }.joined(separator: ","))
    }

    /// The default table of kinds without a printer: Name and Created At.
    static let defaultPrinter = TablePrinter(
        columns: [
            nameColumn,
            TableColumn(
                "Created At", "date",
                description: "CreationTimestamp is a timestamp representing the server time when this object was created."),
        ],
        cells: { [name($0), $0["metadata"]["creationTimestamp"]] })
}
