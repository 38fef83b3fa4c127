import Foundation
import KubeAPI

/// Decodes `application/vnd.kubernetes.protobuf` request bodies (the `k8s\0` envelope
/// around a `runtime.Unknown`) into the JSON object the rest of the server works on,
/// using the field table generated from Kubernetes' own `generated.proto` files.
enum KubernetesProtobuf {
    static let contentType = "application/vnd.kubernetes.protobuf"
    static let magic: [UInt8] = [0x6B, 0x38, 0x73, 0x00]

    enum FieldType {
        case scalar(String)
        case message(String)
        case map(key: String, value: String)
    }

    struct Field {
        var name: String
        var type: FieldType
        var repeated: Bool
    }

    static let table: [String: [Int: Field]] = {
        var out: [String: [Int: Field]] = [:]
        var current = ""
        for line in KubernetesProtoTable.text.split(separator: "\n") {
            let parts = line.split(separator: " ").map(String.init)
            if parts.first == "M", parts.count == 2 {
                current = parts[1]
                out[current] = [:]
            } else if parts.first == "F", parts.count >= 4, let number = Int(parts[1]) {
                let type: FieldType
                if parts[3].hasPrefix("map:") {
                    let kv = parts[3].split(separator: ":").map(String.init)
                    type = .map(key: kv[1], value: kv[2])
                } else if parts[3].contains(".") {
                    type = .message(parts[3])
                } else {
                    type = .scalar(parts[3])
                }
                out[current]?[number] = Field(name: parts[2], type: type, repeated: parts.count > 4 && parts[4] == "r")
            }
        }
        return out
    }()

    /// The proto message of a built-in kind (`apps/v1 Deployment` → `k8s.io.api.apps.v1.Deployment`).
    static func messageName(apiVersion: String, kind: String) -> String {
        let parts = apiVersion.split(separator: "/").map(String.init)
        if parts.count == 1 { return "k8s.io.api.core.\(parts[0]).\(kind)" }
        if parts[0] == "meta.k8s.io" { return "k8s.io.apimachinery.pkg.apis.meta.\(parts[1]).\(kind)" }
        let group = parts[0].split(separator: ".").first.map(String.init) ?? parts[0]
        return "k8s.io.api.\(group).\(parts[1]).\(kind)"
    }

    static func decode(_ bytes: [UInt8]) throws(StatusError) -> JSONValue {
        guard bytes.count >= 4, Array(bytes[0..<4]) == magic else {
            throw StatusError.badRequest("provided input is not a Kubernetes protobuf message (missing k8s magic)")
        }
        var reader = ProtoReader(bytes: bytes[4...])
        var apiVersion = ""
        var kind = ""
        var raw: ArraySlice<UInt8> = []
        do {
            while let (number, wire) = try reader.nextTag() {
                switch (number, wire) {
                case (1, 2):
                    var meta = ProtoReader(bytes: try reader.lengthDelimited())
                    while let (n, w) = try meta.nextTag() {
                        if n == 1 && w == 2 {
                            apiVersion = String(decoding: try meta.lengthDelimited(), as: UTF8.self)
                        } else if n == 2 && w == 2 {
                            kind = String(decoding: try meta.lengthDelimited(), as: UTF8.self)
                        } else {
                            try meta.skip(w)
                        }
                    }
                case (2, 2): raw = try reader.lengthDelimited()
                default: try reader.skip(wire)
                }
            }
        } catch {
            throw StatusError.badRequest("error decoding protobuf body: \(error)")
        }
        let name = messageName(apiVersion: apiVersion, kind: kind)
        guard table[name] != nil else {
            throw StatusError.unsupportedMediaType("no protobuf definition for \(apiVersion) \(kind)")
        }
        var object: JSONValue
        do {
            object = try decodeMessage(raw, name: name)
        } catch {
            throw StatusError.badRequest("error decoding \(kind) from protobuf: \(error)")
        }
        object["apiVersion"] = .string(apiVersion)
        object["kind"] = .string(kind)
        return object
    }

    struct DecodeError: Error, CustomStringConvertible {
        var description: String
    }

    /// Integer fields whose zero is a real value (Go pointers) rather than "unset".
    static let meaningfulZero: Set<String> = [
        "replicas", "parallelism", "completions", "backoffLimit", "revisionHistoryLimit", "progressDeadlineSeconds",
        "terminationGracePeriodSeconds", "activeDeadlineSeconds", "ttlSecondsAfterFinished", "minReplicas", "value",
        "expirationSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit", "startingDeadlineSeconds",
        "tolerationSeconds", "defaultMode", "mode", "priority", "runAsUser", "runAsGroup", "fsGroup",
        "deletionGracePeriodSeconds", "backoffLimitPerIndex", "maxFailedIndexes", "seconds", "partition",
    ]
    /// Boolean fields whose `false` is a real value (Go pointers).
    static let meaningfulFalse: Set<String> = [
        "automountServiceAccountToken", "suspend", "allowPrivilegeEscalation", "readOnlyRootFilesystem", "runAsNonRoot",
        "privileged", "enableServiceLinks", "immutable", "hostUsers", "setHostnameAsFQDN", "allocateLoadBalancerNodePorts",
        "optional", "shareProcessNamespace", "manualSelector", "allowed", "denied",
    ]
    /// Empty messages that still mean something (a volume source chosen).
    static let meaningfulEmpty: Set<String> = ["emptyDir", "nonResourceAttributes", "resourceAttributes"]

    static func decodeMessage(_ bytes: ArraySlice<UInt8>, name: String) throws -> JSONValue {
        switch name {
        case "k8s.io.apimachinery.pkg.apis.meta.v1.Time", "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime":
            var seconds: Int64 = 0
            var nanos: Int64 = 0
            var r = ProtoReader(bytes: bytes)
            while let (n, w) = try r.nextTag() {
                if n == 1 && w == 0 {
                    seconds = Int64(bitPattern: try r.varint())
                } else if n == 2 && w == 0 {
                    nanos = Int64(bitPattern: try r.varint())
                } else {
                    try r.skip(w)
                }
            }
            if seconds == 0 && nanos == 0 { return .null }
            let date = Date(timeIntervalSince1970: Double(seconds) + Double(nanos) / 1e9)
            return .string(name.hasSuffix("MicroTime") ? Timestamp.formatMicro(date) : Timestamp.format(date))
        case "k8s.io.apimachinery.pkg.util.intstr.IntOrString":
            var type: UInt64 = 0
            var intVal: Int64 = 0
            var strVal = ""
            var r = ProtoReader(bytes: bytes)
            while let (n, w) = try r.nextTag() {
                switch (n, w) {
                case (1, 0): type = try r.varint()
                case (2, 0): intVal = Int64(Int32(truncatingIfNeeded: try r.varint()))
                case (3, 2): strVal = String(decoding: try r.lengthDelimited(), as: UTF8.self)
                default: try r.skip(w)
                }
            }
            return type == 1 ? .string(strVal) : .int(intVal)
        case "k8s.io.apimachinery.pkg.api.resource.Quantity":
            var r = ProtoReader(bytes: bytes)
            var s = ""
            while let (n, w) = try r.nextTag() {
                if n == 1 && w == 2 { s = String(decoding: try r.lengthDelimited(), as: UTF8.self) } else { try r.skip(w) }
            }
            return .string(s)
        case "k8s.io.apimachinery.pkg.runtime.RawExtension", "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1":
            var r = ProtoReader(bytes: bytes)
            var raw: ArraySlice<UInt8> = []
            while let (n, w) = try r.nextTag() {
                if n == 1 && w == 2 { raw = try r.lengthDelimited() } else { try r.skip(w) }
            }
            return raw.isEmpty ? .null : try JSONParser.parse(Array(raw))
        case "k8s.io.apimachinery.pkg.apis.meta.v1.Duration":
            var r = ProtoReader(bytes: bytes)
            var ns: Int64 = 0
            while let (n, w) = try r.nextTag() {
                if n == 1 && w == 0 { ns = Int64(bitPattern: try r.varint()) } else { try r.skip(w) }
            }
            return .string(goDuration(ns))
        default:
            break
        }
        guard let fields = table[name] else { throw DecodeError(description: "unknown message \(name)") }
        var object: [String: JSONValue] = [:]
        var reader = ProtoReader(bytes: bytes)
        while let (number, wire) = try reader.nextTag() {
            guard let field = fields[number] else {
                try reader.skip(wire)
                continue
            }
            switch field.type {
            case .scalar(let type):
                if wire == 2 && field.repeated && type != "string" && type != "bytes" {
                    // Packed repeated scalars.
                    var packed = ProtoReader(bytes: try reader.lengthDelimited())
                    var values = object[field.name]?.arrayValue ?? []
                    while !packed.atEnd {
                        values.append(
                            try scalar(
                                &packed, type: type,
                                wire: type == "double" || type == "fixed64" ? 1 : (type == "float" || type == "fixed32" ? 5 : 0)))
                    }
                    object[field.name] = .array(values)
                    continue
                }
                let v = try scalar(&reader, type: type, wire: wire)
                if field.repeated {
                    object[field.name] = .array((object[field.name]?.arrayValue ?? []) + [v])
                } else {
                    object[field.name] = v
                }
            case .message(let type):
                guard wire == 2 else {
                    try reader.skip(wire)
                    continue
                }
                let v = try decodeMessage(try reader.lengthDelimited(), name: type)
                if field.repeated {
                    object[field.name] = .array((object[field.name]?.arrayValue ?? []) + [v])
                } else {
                    object[field.name] = v
                }
            case .map(let keyType, let valueType):
                guard wire == 2 else {
                    try reader.skip(wire)
                    continue
                }
                var entry = ProtoReader(bytes: try reader.lengthDelimited())
                var key = ""
                var value: JSONValue = valueType == "string" ? "" : .null
                while let (n, w) = try entry.nextTag() {
                    if n == 1 {
                        let k = try scalar(&entry, type: keyType, wire: w)
                        key = k.stringValue ?? k.serializedString()
                    } else if n == 2 {
                        if valueType.contains(".") {
                            value = try decodeMessage(try entry.lengthDelimited(), name: valueType)
                        } else {
                            value = try scalar(&entry, type: valueType, wire: w)
                        }
                    } else {
                        try entry.skip(w)
                    }
                }
                var map = object[field.name]?.objectValue ?? [:]
                map[key] = value
                object[field.name] = .object(map)
            }
        }
        // Go's JSON leaves out unset (zero) fields; protobuf carries them. Drop them the
        // same way, keeping zeros that are real values.
        for (key, value) in object {
            switch value {
            case .string(let s) where s.isEmpty: object.removeValue(forKey: key)
            case .bool(false) where !meaningfulFalse.contains(key): object.removeValue(forKey: key)
            case .int(0) where !meaningfulZero.contains(key): object.removeValue(forKey: key)
            case .null: object.removeValue(forKey: key)
            case .object(let o) where o.isEmpty && !meaningfulEmpty.contains(key): object.removeValue(forKey: key)
            default: break
            }
        }
        return .object(object)
    }

    static func scalar(_ r: inout ProtoReader, type: String, wire: Int) throws -> JSONValue {
        switch (type, wire) {
        case ("string", 2): return .string(String(decoding: try r.lengthDelimited(), as: UTF8.self))
        case ("bytes", 2): return .string(Data(try r.lengthDelimited()).base64EncodedString())
        case ("bool", 0): return .bool(try r.varint() != 0)
        case ("int32", 0): return .int(Int64(Int32(truncatingIfNeeded: try r.varint())))
        case ("int64", 0): return .int(Int64(bitPattern: try r.varint()))
        case ("uint32", 0), ("uint64", 0): return .int(Int64(truncatingIfNeeded: try r.varint()))
        case ("double", 1): return .double(Double(bitPattern: try r.fixed64()))
        case ("float", 5): return .double(Double(Float(bitPattern: try r.fixed32())))
        default:
            throw DecodeError(description: "wire type \(wire) does not fit \(type)")
        }
    }

    /// Go's `time.Duration.String()`.
    static func goDuration(_ ns: Int64) -> String {
        if ns == 0 { return "0s" }
        var rest = abs(ns)
        let sign = ns < 0 ? "-" : ""
        if rest < 1_000_000_000 {
            if rest < 1000 { return "\(sign)\(rest)ns" }
            if rest < 1_000_000 { return "\(sign)\(Double(rest) / 1000)µs" }
            return "\(sign)\(Double(rest) / 1_000_000)ms"
        }
        let h = rest / 3_600_000_000_000
        rest %= 3_600_000_000_000
        let m = rest / 60_000_000_000
        rest %= 60_000_000_000
        let s = Double(rest) / 1e9
        var out = sign
        if h > 0 { out += "\(h)h" }
        if h > 0 || m > 0 { out += "\(m)m" }
        let secs = s.rounded() == s ? String(Int64(s)) : String(s)
        return out + "\(secs)s"
    }
}

/// Reads protobuf wire format.
struct ProtoReader {
    let bytes: ArraySlice<UInt8>
    var index: Int

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    var atEnd: Bool { index >= bytes.endIndex }

    struct Truncated: Error, CustomStringConvertible {
        var description: String { "truncated protobuf message" }
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.endIndex {
            let b = bytes[index]
            index += 1
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw Truncated() }
        }
        throw Truncated()
    }

    mutating func nextTag() throws -> (Int, Int)? {
        if atEnd { return nil }
        let tag = try varint()
        return (Int(tag >> 3), Int(tag & 7))
    }

    mutating func lengthDelimited() throws -> ArraySlice<UInt8> {
        let n = Int(try varint())
        guard n >= 0, index + n <= bytes.endIndex else { throw Truncated() }
        defer { index += n }
        return bytes[index..<(index + n)]
    }

    mutating func fixed64() throws -> UInt64 {
        guard index + 8 <= bytes.endIndex else { throw Truncated() }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[index + i]) << (8 * UInt64(i)) }
        index += 8
        return v
    }

    mutating func fixed32() throws -> UInt32 {
        guard index + 4 <= bytes.endIndex else { throw Truncated() }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[index + i]) << (8 * UInt32(i)) }
        index += 4
        return v
    }

    mutating func skip(_ wire: Int) throws {
        switch wire {
        case 0: _ = try varint()
        case 1: _ = try fixed64()
        case 2: _ = try lengthDelimited()
        case 5: _ = try fixed32()
        default: throw Truncated()
        }
    }
}
