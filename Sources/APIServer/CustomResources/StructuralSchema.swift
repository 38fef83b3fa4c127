import KubeAPI

/// Validation and defaulting of custom objects against a CRD's OpenAPI v3 schema, with
/// apiextensions-apiserver's messages.
enum StructuralSchema {
    static func validate(_ value: JSONValue, schema: JSONValue, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let type = schema["type"].stringValue
        if value.isNull {
            if schema["nullable"].boolValue == true { return [] }
            if type != nil { return [.invalid(path, "null", "\(path) in body must be of type \(type!): \"null\"")] }
            return []
        }
        if schema["x-kubernetes-int-or-string"].boolValue == true {
            if value.intValue == nil && value.stringValue == nil {
                errs.append(
                    .invalid(path, .string(value.typeName), "\(path) in body must be of type integer,string: \"\(value.typeName)\""))
            }
            return errs
        }
        if let type, !matchesType(value, type) {
            return [.invalid(path, .string(value.typeName), "\(path) in body must be of type \(type): \"\(value.typeName)\"")]
        }
        if let allowed = schema["enum"].arrayValue, !allowed.contains(value) {
            let names = allowed.map { $0.stringValue ?? $0.serializedString() }
            errs.append(.notSupported(path, value, names))
        }
        switch value {
        case .int, .double:
            let n = value.intValue.map(Double.init) ?? { if case .double(let d) = value { return d } else { return 0 } }()
            let shown = value.intValue.map { String($0) } ?? "\(n)"
            if let max = number(schema["maximum"]) {
                let exclusive = schema["exclusiveMaximum"].boolValue == true
                if exclusive ? n >= max : n > max {
                    errs.append(
                        .invalid(path, value, "\(path) in body should be less than \(exclusive ? "" : "or equal to ")\(format(max))"))
                }
            }
            if let min = number(schema["minimum"]) {
                let exclusive = schema["exclusiveMinimum"].boolValue == true
                if exclusive ? n <= min : n < min {
                    errs.append(
                        .invalid(path, value, "\(path) in body should be greater than \(exclusive ? "" : "or equal to ")\(format(min))"))
                }
            }
            _ = shown
        case .string(let s):
            if let maxLength = schema["maxLength"].intValue, s.count > maxLength {
                errs.append(FieldError(.tooLong, field: path, badValue: value, detail: "may not be more than \(maxLength) bytes"))
            }
            if let minLength = schema["minLength"].intValue, s.count < minLength {
                errs.append(.invalid(path, value, "\(path) in body should be at least \(minLength) chars long"))
            }
            if let pattern = schema["pattern"].stringValue, let regex = try? Regex(pattern), ((try? regex.firstMatch(in: s)) ?? nil) == nil
            {
                errs.append(.invalid(path, value, "\(path) in body should match '\(pattern)'"))
            }
        case .object(let o):
            for r in (schema["required"].arrayValue ?? []).compactMap(\.stringValue) where o[r] == nil {
                errs.append(.required(path.isEmpty ? r : "\(path).\(r)"))
            }
            if let props = schema["properties"].objectValue {
                for (k, v) in o.sorted(by: { $0.key < $1.key }) {
                    if let p = props[k] { errs += validate(v, schema: p, path: path.isEmpty ? k : "\(path).\(k)") }
                }
            } else if let additional = schema["additionalProperties"].objectValue {
                for (k, v) in o.sorted(by: { $0.key < $1.key }) {
                    errs += validate(v, schema: .object(additional), path: path.isEmpty ? k : "\(path).\(k)")
                }
            }
        case .array(let items):
            if let maxItems = schema["maxItems"].intValue, items.count > maxItems {
                errs.append(FieldError(.tooMany, field: path, detail: "must have at most \(maxItems) items"))
            }
            if let itemSchema = schema["items"].objectValue {
                for (i, item) in items.enumerated() { errs += validate(item, schema: .object(itemSchema), path: "\(path)[\(i)]") }
            }
        default:
            break
        }
        return errs
    }

    private static func number(_ v: JSONValue) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    private static func format(_ d: Double) -> String {
        d.rounded() == d ? String(Int64(d)) : "\(d)"
    }

    static func matchesType(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("integer", .int): return true
        case ("number", .int), ("number", .double): return true
        case ("integer", .double(let d)): return d.rounded() == d
        default: return false
        }
    }

    /// Fills `default` values of absent properties, recursively.
    static func applyDefaults(_ value: inout JSONValue, schema: JSONValue) {
        switch value {
        case .object(var o):
            if let props = schema["properties"].objectValue {
                for (k, p) in props {
                    if o[k] == nil, let d = p.objectValue?["default"] { o[k] = d }
                    if var child = o[k] {
                        applyDefaults(&child, schema: p)
                        o[k] = child
                    }
                }
            }
            value = .object(o)
        case .array(var items):
            if let itemSchema = schema["items"].objectValue {
                for i in items.indices { applyDefaults(&items[i], schema: .object(itemSchema)) }
            }
            value = .array(items)
        default:
            break
        }
    }
}
