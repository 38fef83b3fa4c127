import KubeAPI

/// Finds and drops fields a schema does not declare, as Go's decoder drops them for
/// built-in kinds and CRD pruning does for custom ones. Paths are reported the way
/// kube-apiserver's strict decoding names them (`spec.template.spec.containers[0].imagee`).
struct UnknownFields {
    let index: SchemaIndex

    func prune(_ value: inout JSONValue, schema: JSONValue, path: String = "") -> [String] {
        let s = index.resolve(schema)
        if s["x-kubernetes-preserve-unknown-fields"].boolValue == true && s["properties"].isNull { return [] }
        var unknown: [String] = []
        switch value {
        case .object(var o):
            if let props = s["properties"].objectValue {
                for key in o.keys.sorted() {
                    let childPath = path.isEmpty ? key : "\(path).\(key)"
                    guard let childSchema = props[key] else {
                        if s["x-kubernetes-preserve-unknown-fields"].boolValue != true {
                            unknown.append(childPath)
                            o.removeValue(forKey: key)
                        }
                        continue
                    }
                    var child = o[key]!
                    unknown += prune(&child, schema: childSchema, path: childPath)
                    o[key] = child
                }
            } else if let additional = s["additionalProperties"].objectValue {
                for key in o.keys.sorted() {
                    var child = o[key]!
                    unknown += prune(&child, schema: .object(additional), path: path.isEmpty ? key : "\(path).\(key)")
                    o[key] = child
                }
            }
            value = .object(o)
        case .array(var items):
            if let itemSchema = s["items"].objectValue {
                for i in items.indices {
                    unknown += prune(&items[i], schema: .object(itemSchema), path: "\(path)[\(i)]")
                }
            }
            value = .array(items)
        default:
            break
        }
        return unknown
    }
}
