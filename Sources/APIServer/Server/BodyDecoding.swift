import Foundation
import KubeAPI

/// Request bodies: JSON, or YAML for `application/yaml` and apply patches.
enum BodyDecoding {
    static func decode(_ bytes: [UInt8], contentType: String?) throws(StatusError) -> JSONValue {
        let type = (contentType ?? "application/json").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        switch type {
        case "application/json", "application/merge-patch+json", "application/json-patch+json",
            "application/strategic-merge-patch+json", "":
            return try json(bytes)
        case "application/yaml", "application/apply-patch+yaml":
            return try yaml(bytes)
        case KubernetesProtobuf.contentType:
            return try KubernetesProtobuf.decode(bytes)
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
            return try YAMLDecoding.decode(text)
        } catch {
            throw StatusError.badRequest("error converting YAML to JSON: \(error.message)")
        }
    }
}
