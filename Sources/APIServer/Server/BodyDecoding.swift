import Foundation
import KubeAPI
import Yams

/// Request bodies: JSON, or YAML for `application/yaml` and apply patches.
enum BodyDecoding {
    static func decode(_ bytes: [UInt8], contentType: String?) throws(StatusError) -> JSONValue {
        let type = (contentType ?? "application/json").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        switch type {
        case "application/json", "application/merge-patch+json", "application/json-patch+json",
            "application/strategic-merge-patch+json", "":
            return try json(bytes)
        case "application/yaml", "application/apply-patch+yaml", "application/apply-patch+cbor":
            return try yaml(bytes)
        default:
            throw StatusError.unsupportedMediaType(type)
        }
    }

    static func json(_ bytes: [UInt8]) throws(StatusError) -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw StatusError.badRequest("error decoding request body: \(error.message)")
        }
    }

    static func yaml(_ bytes: [UInt8]) throws(StatusError) -> JSONValue {
        let text = String(decoding: bytes, as: UTF8.self)
        // JSON is YAML; the JSON parser keeps integers exact, so try it first.
        if let j = try? JSONParser.parse(bytes) { return j }
        do {
            guard let node = try Yams.compose(yaml: text) else { return .null }
            return try convert(node)
        } catch let e as StatusError {
            throw e
        } catch {
            throw StatusError.badRequest("error converting YAML to JSON: \(error)")
        }
    }

    private static func convert(_ node: Node) throws -> JSONValue {
        switch node {
        case .scalar(let s):
            if s.style != .plain { return .string(s.string) }
            switch s.tag.description {
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
                guard case .scalar(let key) = k else { throw StatusError.badRequest("error converting YAML to JSON: non-string key") }
                o[key.string] = try convert(v)
            }
            return .object(o)
        case .sequence(let seq):
            return .array(try seq.map(convert))
        case .alias:
            throw StatusError.badRequest("error converting YAML to JSON: aliases are not supported")
        }
    }
}
