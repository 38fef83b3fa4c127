import Foundation
import Yams

/// A kubeconfig file as a YAML node tree, edited in place so that everything the edit does
/// not touch (unknown keys, other entries, key order, scalar styles) is written back as it
/// was read. Comments are not kept (kubectl drops them too), and flow collections come back
/// in block style (Yams' composer does not record collection styles).
struct KubeconfigDocument {
    var root: Yams.Node.Mapping

    init(root: Yams.Node.Mapping) {
        self.root = root
    }

    /// kubectl's layout for a new file.
    init() {
        self.init(
            root: Yams.Node.Mapping([
                (Self.key("apiVersion"), Self.string("v1")),
                (Self.key("clusters"), Self.emptySequence),
                (Self.key("contexts"), Self.emptySequence),
                (Self.key("current-context"), Self.string("")),
                (Self.key("kind"), Self.string("Config")),
                (Self.key("preferences"), .mapping(Yams.Node.Mapping([]))),
                (Self.key("users"), Self.emptySequence),
            ]))
    }

    struct Invalid: Error {
        var reason: String
    }

    init(yaml: String) throws(Invalid) {
        let node: Yams.Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw Invalid(reason: "\(error)")
        }
        guard let node else {
            self.init()
            return
        }
        guard case .mapping(let mapping) = node else { throw Invalid(reason: "the top level is not a mapping") }
        for section in ["clusters", "users", "contexts"] {
            guard let value = mapping[section], !Self.isNull(value) else { continue }
            guard case .sequence = value else { throw Invalid(reason: "\(section) is not a list") }
        }
        self.init(root: mapping)
    }

    func yaml() throws -> String {
        // No line width limit, so long values are never folded onto several lines.
        try Yams.serialize(node: .mapping(root), width: -1)
    }

    /// Runs `edit` on the `specKey` mapping of the entry called `name` in `section`,
    /// creating the entry (appended, keys in kubectl's order) if there is none.
    mutating func upsert(section: String, specKey: String, name: String, edit: (inout Yams.Node.Mapping) -> Void) {
        var entries: Yams.Node.Sequence
        if case .sequence(let existing)? = root[section] {
            entries = existing
        } else {
            entries = Yams.Node.Sequence([])
        }
        if let index = entries.firstIndex(where: { $0.mapping?["name"]?.string == name }), var entry = entries[index].mapping {
            var spec = entry[specKey]?.mapping ?? Yams.Node.Mapping([])
            // Should Yams start recording styles, an empty `{}` must not keep new keys in flow style.
            if spec.isEmpty { spec.style = .any }
            edit(&spec)
            entry[specKey] = .mapping(spec)
            entries[index] = .mapping(entry)
        } else {
            var spec = Yams.Node.Mapping([])
            edit(&spec)
            let specPair = (Self.key(specKey), Yams.Node.mapping(spec))
            let namePair = (Self.key("name"), Self.string(name))
            entries.append(.mapping(Yams.Node.Mapping(specKey < "name" ? [specPair, namePair] : [namePair, specPair])))
            // Likewise for an empty `[]` taking a first entry.
            if entries.count == 1 { entries.style = .any }
        }
        root[section] = .sequence(entries)
    }

    mutating func setCurrentContext(_ name: String) {
        root["current-context"] = Self.string(name)
    }

    static func isNull(_ node: Yams.Node) -> Bool {
        node.tag.description == Tag.Name.null.rawValue
    }

    static var emptySequence: Yams.Node { .sequence(Yams.Node.Sequence([])) }

    static func key(_ text: String) -> Yams.Node { .scalar(Yams.Node.Scalar(text)) }

    /// A string scalar that reads back as a string: quoted when its plain form would be a
    /// bool, number, null or timestamp, including YAML 1.1's `y`/`n` that Go's YAML parser
    /// (and so kubectl) treats as booleans.
    static func string(_ text: String) -> Yams.Node {
        if ["y", "Y", "n", "N"].contains(text) { return .scalar(Yams.Node.Scalar(text, Tag(.str), .singleQuoted)) }
        return .scalar(text.represented())
    }

    static func bool(_ value: Bool) -> Yams.Node { .scalar(Yams.Node.Scalar(value ? "true" : "false")) }
}
