import Yams

/// YAML documents as `JSONValue`, with the YAML 1.1 scalar resolution Kubernetes tooling uses
/// (`yes`/`no` stay strings only when quoted; integers stay exact).
public enum YAMLDecoding {
    public struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public static func decode(_ text: String) throws(DecodeError) -> JSONValue {
        do {
            guard let node = try Yams.compose(yaml: text) else { return .null }
            return try convert(node)
        } catch let e as DecodeError {
            throw e
        } catch {
            throw DecodeError(message: "\(error)")
        }
    }

    static func convert(_ node: Node) throws -> JSONValue {
        switch node {
        case .scalar(let s):
            if s.style != .plain { return .string(s.string) }
            // The node's tag is the resolved one (a scalar's own tag stays implicit).
            switch node.tag.description {
            case Tag.Name.null.rawValue: return .null
            case Tag.Name.bool.rawValue: return .bool(Bool.construct(from: s) ?? false)
            case Tag.Name.int.rawValue:
                if let i = Int64(s.string) { return .int(i) }
                return .string(s.string)
            case Tag.Name.float.rawValue:
                if let d = Double.construct(from: s) { return .double(d) }
                return .string(s.string)
            default: return .string(s.string)
            }
        case .mapping(let m):
            var o: [String: JSONValue] = [:]
            for (k, v) in m {
                guard case .scalar(let key) = k else { throw DecodeError(message: "non-string key in mapping") }
                o[key.string] = try convert(v)
            }
            return .object(o)
        case .sequence(let seq):
            return .array(try seq.map(convert))
        case .alias:
            throw DecodeError(message: "aliases are not supported")
        }
    }
}
