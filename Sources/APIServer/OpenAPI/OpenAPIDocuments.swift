import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import KubeAPI
import NIOCore

/// `/openapi/v3` (root index and one document per group-version) and `/openapi/v2`,
/// built from Kubernetes' definitions plus each CRD's schema.
enum OpenAPIDocuments {
    static func gvPath(_ group: String, _ version: String) -> String {
        group.isEmpty ? "api/\(version)" : "apis/\(group)/\(version)"
    }

    static func response(path: String, catalog: ResourceCatalog, schemas: SchemaIndex, request: Request) throws -> Response {
        if path == "/openapi/v2" {
            let accept = request.headers[.accept] ?? ""
            let doc = v2(catalog: catalog, schemas: schemas)
            if accept.contains(OpenAPIv2Protobuf.contentType) && !accept.hasPrefix("application/json") {
                var headers = HTTPFields()
                headers[.contentType] = OpenAPIv2Protobuf.responseContentType
                return Response(
                    status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: OpenAPIv2Protobuf.encode(doc))))
            }
            if !accept.isEmpty, !accept.contains("json"), !accept.contains("*/*") {
                throw StatusError.notAcceptable(
                    "only the following media types are accepted: application/json, \(OpenAPIv2Protobuf.contentType)")
            }
            return APIResponder.json(doc)
        }
        if path == "/openapi/v3" || path == "/openapi/v3/" {
            var paths: [String: JSONValue] = [:]
            for g in catalog.groups {
                for v in g.versions {
                    let doc = v3(group: g.name, version: v, catalog: catalog, schemas: schemas)
                    paths[gvPath(g.name, v)] = ["serverRelativeURL": .string("/openapi/v3/\(gvPath(g.name, v))?hash=\(hash(doc))")]
                }
            }
            return APIResponder.json(["paths": .object(paths)])
        }
        let rest = String(path.dropFirst("/openapi/v3/".count))
        let parts = rest.split(separator: "/").map(String.init)
        let group: String
        let version: String
        if parts.count == 2 && parts[0] == "api" {
            group = ""
            version = parts[1]
        } else if parts.count == 3 && parts[0] == "apis" {
            group = parts[1]
            version = parts[2]
        } else {
            throw StatusError.notFoundPath
        }
        guard catalog.servesGroupVersion(group: group, version: version) else { throw StatusError.notFoundPath }
        var r = APIResponder.json(v3(group: group, version: version, catalog: catalog, schemas: schemas))
        r.headers[.cacheControl] = "public, immutable"
        return r
    }

    static func hash(_ doc: JSONValue) -> String {
        SHA512.hash(data: doc.serialized()).prefix(32).map { String(format: "%02X", $0) }.joined()
    }

    /// The name under which a resource's kind is published.
    static func schemaName(_ d: ResourceDefinition) -> String {
        if let n = d.openAPIName { return n }
        let reversed = d.group.split(separator: ".").reversed().joined(separator: ".")
        return "\(reversed).\(d.version).\(d.kind)"
    }

    /// Every schema a set of roots references, transitively.
    static func closure(_ roots: [String], _ schemas: SchemaIndex, extra: [String: JSONValue]) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        var queue = roots
        while let name = queue.popLast() {
            if out[name] != nil { continue }
            guard let s = extra[name] ?? schemas.schema(named: name) else { continue }
            out[name] = s
            collectRefs(s, into: &queue)
        }
        return out
    }

    static func collectRefs(_ v: JSONValue, into queue: inout [String]) {
        switch v {
        case .object(let o):
            if let ref = o["$ref"]?.stringValue { queue.append(String(ref.split(separator: "/").last ?? "")) }
            for child in o.values { collectRefs(child, into: &queue) }
        case .array(let a):
            for child in a { collectRefs(child, into: &queue) }
        default: break
        }
    }

    static let writeParameters: [JSONValue] = ["dryRun", "fieldManager", "fieldValidation", "force"].map {
        ["name": .string($0), "in": "query", "schema": ["type": $0 == "force" ? "boolean" : "string", "uniqueItems": true]]
    }

    static func v3(group: String, version: String, catalog: ResourceCatalog, schemas: SchemaIndex) -> JSONValue {
        let defs = catalog.resources(group: group, version: version)
        var extra: [String: JSONValue] = [:]
        var roots: [String] = []
        var paths: [String: JSONValue] = [:]
        let prefix = "/" + gvPath(group, version)
        for d in defs {
            let name = schemaName(d)
            if let custom = d.schema {
                var s = custom
                s["x-kubernetes-group-version-kind"] = [
                    ["group": .string(d.group), "version": .string(d.version), "kind": .string(d.kind)]
                ]
                extra[name] = s
            }
            roots.append(name)
            let gvk: JSONValue = ["group": .string(d.group), "version": .string(d.version), "kind": .string(d.kind)]
            let itemPath = d.namespaced ? "\(prefix)/namespaces/{namespace}/\(d.resource)/{name}" : "\(prefix)/\(d.resource)/{name}"
            let ref: JSONValue = ["$ref": .string("#/components/schemas/\(name)")]
            let content: JSONValue = ["application/json": ["schema": ref]]
            var item: JSONValue = .emptyObject
            if d.verbs.contains("get") {
                item["get"] = ["x-kubernetes-group-version-kind": gvk, "responses": ["200": ["description": "OK", "content": content]]]
            }
            if d.verbs.contains("patch") {
                item["patch"] = [
                    "x-kubernetes-group-version-kind": gvk, "parameters": .array(writeParameters),
                    "responses": ["200": ["description": "OK", "content": content]],
                ]
            }
            if d.verbs.contains("update") {
                item["put"] = [
                    "x-kubernetes-group-version-kind": gvk, "parameters": .array(writeParameters),
                    "requestBody": ["content": content], "responses": ["200": ["description": "OK", "content": content]],
                ]
            }
            if !item.objectValue!.isEmpty { paths[itemPath] = item }
            let collectionPath = d.namespaced ? "\(prefix)/namespaces/{namespace}/\(d.resource)" : "\(prefix)/\(d.resource)"
            if d.verbs.contains("create") {
                paths[collectionPath] = [
                    "post": [
                        "x-kubernetes-group-version-kind": gvk, "parameters": .array(writeParameters),
                        "requestBody": ["content": content], "responses": ["201": ["description": "Created", "content": content]],
                    ]
                ]
            }
        }
        let components = closure(roots, schemas, extra: extra)
        return [
            "openapi": "3.0.0", "info": ["title": "Kubernetes", "version": .string(VersionInfo.gitVersion)],
            "paths": .object(paths), "components": ["schemas": .object(components)],
        ]
    }

    /// Swagger 2.0 form: same schemas with `#/definitions/` references.
    static func v2(catalog: ResourceCatalog, schemas: SchemaIndex) -> JSONValue {
        var definitions: [String: JSONValue] = [:]
        for g in catalog.groups {
            for v in g.versions {
                let doc = v3(group: g.name, version: v, catalog: catalog, schemas: schemas)
                for (k, s) in doc["components"]["schemas"].objectValue ?? [:] { definitions[k] = rewriteRefs(s) }
            }
        }
        return [
            "swagger": "2.0", "info": ["title": "Kubernetes", "version": .string(VersionInfo.gitVersion)],
            "paths": .emptyObject, "definitions": .object(definitions),
        ]
    }

    static func rewriteRefs(_ v: JSONValue) -> JSONValue {
        switch v {
        case .object(var o):
            if let ref = o["$ref"]?.stringValue {
                o["$ref"] = .string(ref.replacingOccurrences(of: "#/components/schemas/", with: "#/definitions/"))
            }
            if let all = o["allOf"]?.arrayValue, all.count == 1 {
                o.removeValue(forKey: "allOf")
                o["$ref"] = rewriteRefs(all[0])["$ref"]
            }
            return .object(o.mapValues(rewriteRefs))
        case .array(let a): return .array(a.map(rewriteRefs))
        default: return v
        }
    }
}
