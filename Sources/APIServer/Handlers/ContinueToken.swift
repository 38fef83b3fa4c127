import Foundation
import KubeAPI
import Store

/// kube-apiserver's list continuation token: base64 of `{"v":"meta.k8s.io/v1","rv":N,"start":"key"}`.
struct ContinueToken: Equatable {
    var revision: Revision
    /// The last key returned, relative to the list prefix.
    var start: String

    func encoded() -> String {
        let json: JSONValue = ["v": "meta.k8s.io/v1", "rv": .int(revision), "start": .string(start + "\u{0}")]
        return Data(json.serialized()).base64EncodedString()
    }

    static func decode(_ token: String) throws(StatusError) -> ContinueToken {
        guard let data = Data(base64Encoded: token), let json = try? JSONParser.parse(Array(data)),
            json["v"].stringValue == "meta.k8s.io/v1", let rv = json["rv"].intValue, var start = json["start"].stringValue
        else {
            throw StatusError.badRequest("continue key is not valid: illegal base64 data at input byte 0")
        }
        if start.hasSuffix("\u{0}") { start.removeLast() }
        guard !start.contains("..") else { throw StatusError.badRequest("continue key is not valid: path traversal attempt") }
        return ContinueToken(revision: rv, start: start)
    }
}
