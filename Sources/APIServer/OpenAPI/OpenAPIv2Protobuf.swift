import KubeAPI

/// Encodes the Swagger 2.0 document as gnostic's `openapi.v2.Document` protobuf, the form
/// kubectl downloads for client-side validation (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`).
enum OpenAPIv2Protobuf {
    /// What clients ask for (`@` is not valid in a response media type, so kube-apiserver
    /// answers with `responseContentType`).
    static let contentType = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
    static let responseContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"

    struct Writer {
        var bytes: [UInt8] = []

        mutating func varint(_ v: UInt64) {
            var v = v
            while v >= 0x80 {
                bytes.append(UInt8(v & 0x7F) | 0x80)
                v >>= 7
            }
            bytes.append(UInt8(v))
        }
        mutating func tag(_ field: Int, _ wire: UInt64) { varint(UInt64(field) << 3 | wire) }
        mutating func string(_ field: Int, _ s: String) {
            guard !s.isEmpty else { return }
            tag(field, 2)
            varint(UInt64(s.utf8.count))
            bytes.append(contentsOf: s.utf8)
        }
        mutating func message(_ field: Int, _ body: (inout Writer) -> Void) {
            var inner = Writer()
            body(&inner)
            tag(field, 2)
            varint(UInt64(inner.bytes.count))
            bytes.append(contentsOf: inner.bytes)
        }
        mutating func bool(_ field: Int, _ b: Bool) {
            guard b else { return }
            tag(field, 0)
            varint(1)
        }
        mutating func double(_ field: Int, _ d: Double) {
            tag(field, 1)
            var bits = d.bitPattern.littleEndian
            withUnsafeBytes(of: &bits) { bytes.append(contentsOf: $0) }
        }
        mutating func int64(_ field: Int, _ v: Int64) {
            tag(field, 0)
            varint(UInt64(bitPattern: v))
        }
    }

    static func encode(_ doc: JSONValue) -> [UInt8] {
        var w = Writer()
        w.string(1, doc["swagger"].stringValue ?? "2.0")
        w.message(2) { info in
            info.string(1, doc["info"]["title"].stringValue ?? "")
            info.string(2, doc["info"]["version"].stringValue ?? "")
        }
        w.message(8) { _ in }
        w.message(9) { defs in
            for (name, schema) in (doc["definitions"].objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                defs.message(1) { named in
                    named.string(1, name)
                    named.message(2) { encodeSchema(schema, into: &$0) }
                }
            }
        }
        return w.bytes
    }

    static func encodeSchema(_ s: JSONValue, into w: inout Writer) {
        w.string(1, s["$ref"].stringValue ?? "")
        w.string(2, s["format"].stringValue ?? "")
        w.string(4, s["description"].stringValue ?? "")
        if let v = s["maximum"].intValue { w.double(7, Double(v)) }
        if let v = s["minimum"].intValue { w.double(9, Double(v)) }
        for r in s["required"].arrayValue ?? [] { w.string(19, r.stringValue ?? "") }
        if let additional = s["additionalProperties"].objectValue {
            w.message(21) { item in item.message(1) { encodeSchema(.object(additional), into: &$0) } }
        }
        if let type = s["type"].stringValue {
            w.message(22) { $0.string(1, type) }
        }
        if let items = s["items"].objectValue {
            w.message(23) { item in item.message(1) { encodeSchema(.object(items), into: &$0) } }
        }
        if let props = s["properties"].objectValue {
            w.message(25) { p in
                for (name, child) in props.sorted(by: { $0.key < $1.key }) {
                    p.message(1) { named in
                        named.string(1, name)
                        named.message(2) { encodeSchema(child, into: &$0) }
                    }
                }
            }
        }
        for (key, value) in (s.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) where key.hasPrefix("x-") {
            w.message(31) { named in
                named.string(1, key)
                named.message(2) { any in any.string(2, value.serializedString()) }
            }
        }
    }
}
