import KubeAPI

/// Server-side printing: `meta.k8s.io` Table for kubectl's human output.
enum TableConverter {
    static func partialMetadata(_ object: JSONValue, version: String) -> JSONValue {
        ["kind": "PartialObjectMetadata", "apiVersion": .string("meta.k8s.io/\(version)"), "metadata": object["metadata"]]
    }

    static func table(
        _ objects: [JSONValue], _ def: ResourceDefinition, version: String, includeObject: String?, listMetadata: JSONValue,
        includeColumns: Bool = true
    ) -> JSONValue {
        let printer = def.printer ?? Cells.defaultPrinter
        let rows: [JSONValue] = objects.map { o in
            var row: JSONValue = ["cells": .array(printer.cells(o))]
            switch includeObject ?? "Metadata" {
            case "None": break
            case "Object": row["object"] = o
            default: row["object"] = partialMetadata(o, version: version)
            }
            return row
        }
        var table: JSONValue = [
            "kind": "Table", "apiVersion": .string("meta.k8s.io/\(version)"), "metadata": listMetadata, "rows": .array(rows),
        ]
        if includeColumns {
            table["columnDefinitions"] = .array(
                printer.columns.map {
                    [
                        "name": .string($0.name), "type": .string($0.type), "format": .string($0.format),
                        "description": .string($0.description), "priority": .int(Int64($0.priority)),
                    ]
                })
        } else {
            table["columnDefinitions"] = .null
        }
        return table
    }
}
