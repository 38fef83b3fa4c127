/// RFC 6902 JSON Patch. The whole patch applies or nothing does.
public enum JSONPatch {
    public static func apply(_ patch: JSONValue, to document: JSONValue) throws(PatchError) -> JSONValue {
        guard let ops = patch.arrayValue else { throw .malformed("json patch must be an array of operations") }
        var doc = document
        for op in ops {
            guard let name = op["op"].stringValue else { throw .malformed("missing op") }
            guard let path = op["path"].stringValue else { throw .malformed("missing path") }
            let tokens = try pointer(path)
            switch name {
            case "add":
                guard let value = op.objectValue?["value"] else { throw .malformed("add operation does not apply: doc is missing value") }
                try add(&doc, tokens, value)
            case "remove":
                _ = try remove(&doc, tokens)
            case "replace":
                guard let value = op.objectValue?["value"] else {
                    throw .malformed("replace operation does not apply: doc is missing value")
                }
                _ = try remove(&doc, tokens)
                try add(&doc, tokens, value)
            case "move":
                guard let from = op["from"].stringValue else { throw .malformed("missing from") }
                let value = try remove(&doc, try pointer(from))
                try add(&doc, tokens, value)
            case "copy":
                guard let from = op["from"].stringValue else { throw .malformed("missing from") }
                let value = try get(doc, try pointer(from))
                try add(&doc, tokens, value)
            case "test":
                let expected = op.objectValue?["value"] ?? .null
                guard let actual = try? get(doc, tokens), actual == expected else { throw .testFailed(path: path) }
            default:
                throw .invalidOperation(name)
            }
        }
        return doc
    }

    public static func pointer(_ path: String) throws(PatchError) -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw .invalidPath(path) }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    public static func get(_ doc: JSONValue, _ tokens: [String]) throws(PatchError) -> JSONValue {
        var current = doc
        for t in tokens {
            switch current {
            case .object(let o):
                guard let next = o[t] else { throw .pathNotFound(t) }
                current = next
            case .array(let a):
                guard let i = Int(t), i >= 0, i < a.count else { throw .pathNotFound(t) }
                current = a[i]
            default:
                throw .pathNotFound(t)
            }
        }
        return current
    }

    static func add(_ doc: inout JSONValue, _ tokens: [String], _ value: JSONValue) throws(PatchError) {
        guard let last = tokens.last else {
            doc = value
            return
        }
        try modifyParent(&doc, ArraySlice(tokens.dropLast())) { (parent: inout JSONValue) throws(PatchError) in
            switch parent {
            case .object(var o):
                o[last] = value
                parent = .object(o)
            case .array(var a):
                if last == "-" {
                    a.append(value)
                } else {
                    guard let i = Int(last), i >= 0, i <= a.count else { throw .pathNotFound(last) }
                    a.insert(value, at: i)
                }
                parent = .array(a)
            default:
                throw .pathNotFound(last)
            }
        }
    }

    static func remove(_ doc: inout JSONValue, _ tokens: [String]) throws(PatchError) -> JSONValue {
        guard let last = tokens.last else { throw .invalidPath("") }
        var removed: JSONValue = .null
        try modifyParent(&doc, ArraySlice(tokens.dropLast())) { (parent: inout JSONValue) throws(PatchError) in
            switch parent {
            case .object(var o):
                guard let v = o.removeValue(forKey: last) else { throw .pathNotFound(last) }
                removed = v
                parent = .object(o)
            case .array(var a):
                guard let i = Int(last), i >= 0, i < a.count else { throw .pathNotFound(last) }
                removed = a.remove(at: i)
                parent = .array(a)
            default:
                throw .pathNotFound(last)
            }
        }
        return removed
    }

    private static func modifyParent(
        _ doc: inout JSONValue, _ tokens: ArraySlice<String>, _ body: (inout JSONValue) throws(PatchError) -> Void
    ) throws(PatchError) {
        guard let first = tokens.first else {
            try body(&doc)
            return
        }
        switch doc {
        case .object(var o):
            guard var child = o[first] else { throw .pathNotFound(first) }
            o[first] = nil
            try modifyParent(&child, tokens.dropFirst(), body)
            o[first] = child
            doc = .object(o)
        case .array(var a):
            guard let i = Int(first), i >= 0, i < a.count else { throw .pathNotFound(first) }
            var child = a[i]
            try modifyParent(&child, tokens.dropFirst(), body)
            a[i] = child
            doc = .array(a)
        default:
            throw .pathNotFound(first)
        }
    }
}
