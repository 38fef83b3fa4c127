/// One field-level problem, rendered like apimachinery's `field.Error`.
public struct FieldError: Sendable, Hashable {
    public enum ErrorType: String, Sendable {
        case invalid = "FieldValueInvalid"
        case required = "FieldValueRequired"
        case forbidden = "FieldValueForbidden"
        case notSupported = "FieldValueNotSupported"
        case duplicate = "FieldValueDuplicate"
        case tooLong = "FieldValueTooLong"
        case tooMany = "FieldValueTooMany"
        case typeInvalid = "FieldValueTypeInvalid"
    }
    public var type: ErrorType
    public var field: String
    public var badValue: JSONValue?
    public var detail: String

    public init(_ type: ErrorType, field: String, badValue: JSONValue? = nil, detail: String = "") {
        self.type = type
        self.field = field
        self.badValue = badValue
        self.detail = detail
    }

    public static func invalid(_ field: String, _ value: JSONValue, _ detail: String) -> FieldError {
        FieldError(.invalid, field: field, badValue: value, detail: detail)
    }
    public static func required(_ field: String, _ detail: String = "") -> FieldError {
        FieldError(.required, field: field, detail: detail)
    }
    public static func forbidden(_ field: String, _ detail: String) -> FieldError {
        FieldError(.forbidden, field: field, detail: detail)
    }
    public static func notSupported(_ field: String, _ value: JSONValue, _ supported: [String]) -> FieldError {
        let list = supported.map { "\"\($0)\"" }.joined(separator: ", ")
        return FieldError(.notSupported, field: field, badValue: value, detail: "supported values: \(list)")
    }

    /// The message without the field path: `Invalid value: "x": detail`.
    public var message: String {
        switch type {
        case .invalid:
            return "Invalid value: \(Self.render(badValue ?? .null))" + (detail.isEmpty ? "" : ": \(detail)")
        case .required:
            return "Required value" + (detail.isEmpty ? "" : ": \(detail)")
        case .forbidden:
            return "Forbidden" + (detail.isEmpty ? "" : ": \(detail)")
        case .notSupported:
            return "Unsupported value: \(Self.render(badValue ?? .null))" + (detail.isEmpty ? "" : ": \(detail)")
        case .duplicate:
            return "Duplicate value: \(Self.render(badValue ?? .null))"
        case .tooLong:
            return "Too long: " + detail
        case .tooMany:
            return "Too many: " + detail
        case .typeInvalid:
            return "Invalid value: \(Self.render(badValue ?? .null))" + (detail.isEmpty ? "" : ": \(detail)")
        }
    }

    /// `field: message`, as kube-apiserver joins them.
    public var fullMessage: String { "\(field): \(message)" }

    /// Go's `%#v`-like rendering that apimachinery uses for bad values.
    static func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let s):
            return String(
                decoding: {
                    var o: [UInt8] = []
                    JSONValue.writeString(s, into: &o)
                    return o
                }(), as: UTF8.self)
        case .int(let i): return String(i)
        case .double(let d): return "\(d)"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .object(let o):
            if o.values.allSatisfy({ $0.stringValue != nil }) {
                let items = o.keys.sorted().map { "\"\($0)\":\"\(o[$0]!.stringValue!)\"" }
                return "map[string]string{" + items.joined(separator: ", ") + "}"
            }
            return "\"object\""
        case .array: return "\"array\""
        }
    }
}

/// The `reason` of a `metav1.Status`.
public enum StatusReason: String, Sendable {
    case notFound = "NotFound"
    case alreadyExists = "AlreadyExists"
    case conflict = "Conflict"
    case invalid = "Invalid"
    case badRequest = "BadRequest"
    case forbidden = "Forbidden"
    case unauthorized = "Unauthorized"
    case methodNotAllowed = "MethodNotAllowed"
    case unsupportedMediaType = "UnsupportedMediaType"
    case notAcceptable = "NotAcceptable"
    case requestEntityTooLarge = "RequestEntityTooLarge"
    case expired = "Expired"
    case gone = "Gone"
    case internalError = "InternalError"
    case serviceUnavailable = "ServiceUnavailable"
    case timeout = "Timeout"
    case tooManyRequests = "TooManyRequests"
}

/// A Kubernetes API error: everything needed to render a `metav1.Status` exactly as
/// kube-apiserver does (kubectl prints these verbatim).
public struct StatusError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: Int
    public var reason: StatusReason?
    public var message: String
    public var details: Details?

    public struct Details: Sendable, Hashable {
        public var name: String?
        public var group: String?
        public var kind: String?
        public var causes: [FieldError]
        public var retryAfterSeconds: Int?
        public var extraCauses: [JSONValue]

        public init(
            name: String? = nil, group: String? = nil, kind: String? = nil, causes: [FieldError] = [],
            extraCauses: [JSONValue] = [], retryAfterSeconds: Int? = nil
        ) {
            self.name = name
            self.group = group
            self.kind = kind
            self.causes = causes
            self.extraCauses = extraCauses
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    public init(code: Int, reason: StatusReason?, message: String, details: Details? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
    }

    public var description: String { message }

    /// `configmaps` or `deployments.apps`: apimachinery's GroupResource string.
    public static func qualified(_ resource: String, _ group: String) -> String {
        group.isEmpty ? resource : "\(resource).\(group)"
    }

    public static func notFound(resource: String, group: String, name: String) -> StatusError {
        StatusError(
            code: 404, reason: .notFound, message: "\(qualified(resource, group)) \"\(name)\" not found",
            details: Details(name: name, group: group, kind: resource))
    }

    public static func alreadyExists(resource: String, group: String, name: String) -> StatusError {
        StatusError(
            code: 409, reason: .alreadyExists, message: "\(qualified(resource, group)) \"\(name)\" already exists",
            details: Details(name: name, group: group, kind: resource))
    }

    public static func conflict(resource: String, group: String, name: String, detail: String) -> StatusError {
        StatusError(
            code: 409, reason: .conflict,
            message: "Operation cannot be fulfilled on \(qualified(resource, group)) \"\(name)\": \(detail)",
            details: Details(name: name, group: group, kind: resource))
    }

    public static let modifiedDetail =
        "the object has been modified; please apply your changes to the latest version and try again"

    /// 422 with kube-apiserver's wording: `Kind.group "name" is invalid: [a, b]`.
    public static func invalid(kind: String, group: String, name: String, causes: [FieldError]) -> StatusError {
        let qualifiedKind = group.isEmpty ? kind : "\(kind).\(group)"
        let joined: String
        if causes.count == 1 {
            joined = causes[0].fullMessage
        } else {
            joined = "[" + causes.map(\.fullMessage).joined(separator: ", ") + "]"
        }
        return StatusError(
            code: 422, reason: .invalid, message: "\(qualifiedKind) \"\(name)\" is invalid: \(joined)",
            details: Details(name: name, group: group, kind: kind, causes: causes))
    }

    public static func badRequest(_ message: String) -> StatusError {
        StatusError(code: 400, reason: .badRequest, message: message)
    }

    public static func forbidden(resource: String, group: String, name: String, reason: String) -> StatusError {
        let subject = name.isEmpty ? qualified(resource, group) : "\(qualified(resource, group)) \"\(name)\""
        return StatusError(
            code: 403, reason: .forbidden, message: "\(subject) is forbidden: \(reason)",
            details: Details(name: name.isEmpty ? nil : name, group: group, kind: resource))
    }

    public static let unauthorized = StatusError(code: 401, reason: .unauthorized, message: "Unauthorized")

    public static func methodNotAllowed(_ message: String = "the server does not allow this method on the requested resource")
        -> StatusError
    {
        StatusError(code: 405, reason: .methodNotAllowed, message: message)
    }

    public static func unsupportedMediaType(_ contentType: String) -> StatusError {
        StatusError(
            code: 415, reason: .unsupportedMediaType,
            message:
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"
        )
    }

    public static func notAcceptable(_ message: String) -> StatusError {
        StatusError(code: 406, reason: .notAcceptable, message: message)
    }

    public static func tooLarge(limit: Int) -> StatusError {
        StatusError(code: 413, reason: .requestEntityTooLarge, message: "Request entity too large: limit is \(limit)")
    }

    public static func expired(_ message: String) -> StatusError {
        StatusError(code: 410, reason: .expired, message: message)
    }

    public static func internalError(_ message: String) -> StatusError {
        StatusError(
            code: 500, reason: .internalError, message: "Internal error occurred: \(message)",
            details: Details(extraCauses: [["message": .string(message)]]))
    }

    public static func serviceUnavailable(_ message: String) -> StatusError {
        StatusError(code: 503, reason: .serviceUnavailable, message: message)
    }

    /// The `metav1.Status` object.
    public var statusObject: JSONValue {
        var status: JSONValue = [
            "kind": "Status", "apiVersion": "v1", "metadata": .emptyObject,
            "status": "Failure", "message": .string(message), "code": .int(Int64(code)),
        ]
        if let reason { status["reason"] = .string(reason.rawValue) }
        if let details {
            var d: JSONValue = .emptyObject
            if let name = details.name { d["name"] = .string(name) }
            if let group = details.group, !group.isEmpty { d["group"] = .string(group) }
            if let kind = details.kind { d["kind"] = .string(kind) }
            var causes: [JSONValue] = details.causes.map {
                ["reason": .string($0.type.rawValue), "message": .string($0.message), "field": .string($0.field)]
            }
            causes.append(contentsOf: details.extraCauses)
            if !causes.isEmpty { d["causes"] = .array(causes) }
            if let retry = details.retryAfterSeconds { d["retryAfterSeconds"] = .int(Int64(retry)) }
            status["details"] = d
        }
        return status
    }
}
