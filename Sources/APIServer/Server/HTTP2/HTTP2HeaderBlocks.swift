import HTTPTypes
import NIOHPACK

/// Why a request's header block cannot be served (the stream is reset with
/// PROTOCOL_ERROR, as RFC 9113 §8.1.1 asks for malformed requests).
enum MalformedHTTP2Request: Error, Equatable {
    case missingPseudoHeader(String)
    case unknownPseudoHeader(String)
    case repeatedPseudoHeader(String)
    case invalidMethod(String)
    case invalidFieldName(String)
}

extension HTTPRequest {
    /// The request a HEADERS frame carries (RFC 9113 §8.3.1). NIOHTTP2's header-block
    /// validation has already checked ordering and lowercase names.
    init(http2Headers block: HPACKHeaders) throws(MalformedHTTP2Request) {
        var method: String?
        var scheme: String?
        var authority: String?
        var path: String?
        var fields = HTTPFields()
        fields.reserveCapacity(block.count)
        for (name, value, _) in block {
            guard name.utf8.first == UInt8(ascii: ":") else {
                guard let fieldName = HTTPField.Name(name) else { throw .invalidFieldName(name) }
                fields.append(HTTPField(name: fieldName, value: value))
                continue
            }
            switch name {
            case ":method":
                guard method == nil else { throw .repeatedPseudoHeader(name) }
                method = value
            case ":scheme":
                guard scheme == nil else { throw .repeatedPseudoHeader(name) }
                scheme = value
            case ":authority":
                guard authority == nil else { throw .repeatedPseudoHeader(name) }
                authority = value
            case ":path":
                guard path == nil else { throw .repeatedPseudoHeader(name) }
                path = value
            default:
                throw .unknownPseudoHeader(name)
            }
        }
        guard let method else { throw .missingPseudoHeader(":method") }
        guard let parsed = HTTPRequest.Method(method) else { throw .invalidMethod(method) }
        guard let path, !path.isEmpty else { throw .missingPseudoHeader(":path") }
        self.init(method: parsed, scheme: scheme, authority: authority, path: path, headerFields: fields)
    }
}

extension HPACKHeaders {
    /// Connection-specific fields HTTP/2 forbids (RFC 9113 §8.2.2).
    private static let connectionSpecific: Set<HTTPField.Name> = [
        .connection, .transferEncoding, .upgrade, HTTPField.Name("proxy-connection")!, HTTPField.Name("keep-alive")!,
    ]

    /// A response head as an HTTP/2 header block: `:status` first.
    init(response: HTTPResponse) {
        self.init()
        reserveCapacity(response.headerFields.count + 1)
        add(name: ":status", value: String(response.status.code))
        for field in response.headerFields where !Self.connectionSpecific.contains(field.name) {
            add(name: field.name.canonicalName, value: field.value)
        }
    }

    /// Trailers as an HTTP/2 header block.
    init(trailers: HTTPFields) {
        self.init()
        for field in trailers where !Self.connectionSpecific.contains(field.name) {
            add(name: field.name.canonicalName, value: field.value)
        }
    }
}
