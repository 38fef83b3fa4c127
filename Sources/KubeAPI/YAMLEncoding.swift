import Foundation
import Yams

/// `JSONValue` as a YAML document the way kubectl prints one: keys sorted, strings that
/// would read back as another type quoted.
public enum YAMLEncoding {
    public struct EncodeError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public static func encode(_ value: JSONValue) throws(EncodeError) -> String {
        do {
            return try Yams.dump(object: plain(value), width: -1, sortKeys: true)
        } catch {
            throw EncodeError(message: "\(error)")
        }
    }

    private static func plain(_ value: JSONValue) -> Any {
        switch value {
        case .null: return NSNull()
        case .bool(let b): return b
        case .int(let i): return Int(i)
        case .double(let d): return d
        case .string(let s): return s
        case .array(let a): return a.map(plain)
        case .object(let o): return o.mapValues(plain)
        }
    }
}
