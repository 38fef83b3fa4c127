import KubeAPI

/// A set of field paths in structured-merge-diff's `FieldsV1` shape: children keyed by
/// `f:<field>`, `k:<json keys>` (associative list element), `v:<json>` (set element),
/// `i:<index>`; `member` is the `.` entry (the node itself is owned).
struct FieldSet: Hashable, Sendable {
    var children: [String: FieldSet] = [:]
    var member = false

    var isEmpty: Bool { children.isEmpty && !member }
    /// A leaf: owned, with nothing below (`{}` in FieldsV1).
    static let leaf = FieldSet(children: [:], member: true)

    init(children: [String: FieldSet] = [:], member: Bool = false) {
        self.children = children
        self.member = member
    }

    init(fieldsV1: JSONValue) {
        for (k, v) in fieldsV1.objectValue ?? [:] {
            if k == "." {
                member = true
            } else {
                var child = FieldSet(fieldsV1: v)
                if child.children.isEmpty { child.member = true }
                children[k] = child
            }
        }
    }

    var fieldsV1: JSONValue {
        var o: [String: JSONValue] = [:]
        if member && !children.isEmpty { o["."] = .emptyObject }
        for (k, v) in children { o[k] = v.fieldsV1 }
        return .object(o)
    }

    func union(_ other: FieldSet) -> FieldSet {
        var result = self
        result.member = member || other.member
        for (k, v) in other.children {
            result.children[k] = result.children[k].map { $0.union(v) } ?? v
        }
        return result
    }

    func subtracting(_ other: FieldSet) -> FieldSet {
        var result = FieldSet(member: member && !other.member)
        for (k, v) in children {
            if let o = other.children[k] {
                let rest = v.subtracting(o)
                if !rest.isEmpty { result.children[k] = rest }
            } else {
                result.children[k] = v
            }
        }
        return result
    }

    func intersection(_ other: FieldSet) -> FieldSet {
        var result = FieldSet(member: member && other.member)
        for (k, v) in children {
            if let o = other.children[k] {
                let common = v.intersection(o)
                if !common.isEmpty { result.children[k] = common }
            }
        }
        return result
    }

    /// Every owned path (members), as lists of path elements.
    func paths(prefix: [String] = []) -> [[String]] {
        var out: [[String]] = member && !prefix.isEmpty ? [prefix] : []
        for k in children.keys.sorted() { out.append(contentsOf: children[k]!.paths(prefix: prefix + [k])) }
        return out
    }

    /// Whether the node at `path` is itself owned.
    func owns(_ path: [String]) -> Bool {
        var node = self
        for element in path {
            guard let next = node.children[element] else { return false }
            node = next
        }
        return node.member
    }

    /// Owned paths with nothing owned below them.
    func leafPaths(prefix: [String] = []) -> [[String]] {
        if children.isEmpty { return member && !prefix.isEmpty ? [prefix] : [] }
        var out: [[String]] = []
        for k in children.keys.sorted() { out.append(contentsOf: children[k]!.leafPaths(prefix: prefix + [k])) }
        return out
    }

    /// `.spec.containers[name="c"].image`, as conflict messages print paths.
    static func describe(_ path: [String]) -> String {
        var s = ""
        for element in path {
            let body = String(element.dropFirst(2))
            switch element.prefix(2) {
            case "f:": s += ".\(body)"
            case "k:":
                let keys = (try? JSONParser.parse(body))?.objectValue ?? [:]
                s += "[" + keys.keys.sorted().map { "\($0)=\(keys[$0]!.serializedString())" }.joined(separator: ",") + "]"
            case "v:": s += "[=\(body)]"
            case "i:": s += "[\(body)]"
            default: s += ".\(element)"
            }
        }
        return s
    }
}
