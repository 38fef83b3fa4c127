/// A parsed label selector (`env=prod,tier in (web,db),!legacy`), evaluated like apimachinery's.
public struct LabelSelector: Sendable, Hashable {
    public enum Operator: String, Sendable, Hashable {
        case equals = "="
        case doubleEquals = "=="
        case notEquals = "!="
        case `in` = "in"
        case notIn = "notin"
        case exists = "exists"
        case doesNotExist = "!"
    }
    public struct Requirement: Sendable, Hashable {
        public var key: String
        public var op: Operator
        public var values: [String]

        public func matches(_ labels: [String: String]) -> Bool {
            switch op {
            case .equals, .doubleEquals, .in:
                guard let v = labels[key] else { return false }
                return values.contains(v)
            case .notEquals, .notIn:
                guard let v = labels[key] else { return true }
                return !values.contains(v)
            case .exists: return labels[key] != nil
            case .doesNotExist: return labels[key] == nil
            }
        }
    }

    public var requirements: [Requirement]
    public init(requirements: [Requirement] = []) { self.requirements = requirements }

    public var isEmpty: Bool { requirements.isEmpty }
    public static let everything = LabelSelector()

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches(labels) }
    }

    /// Why a selector string was refused; the message follows apimachinery's parser.
    public struct ParseError: Error, Sendable, Equatable {
        public var message: String
    }

    public static func parse(_ text: String) throws(ParseError) -> LabelSelector {
        var lexer = SelectorLexer(Array(text.unicodeScalars))
        var reqs: [Requirement] = []
        lexer.skipSpaces()
        if lexer.atEnd { return LabelSelector() }
        while true {
            lexer.skipSpaces()
            var negate = false
            if lexer.peek == "!" {
                negate = true
                lexer.advance()
                lexer.skipSpaces()
            }
            let key = lexer.readIdentifier()
            guard !key.isEmpty else {
                throw ParseError(message: "unable to parse requirement: found '\(lexer.rest)', expected: identifier")
            }
            try validateKey(key)
            lexer.skipSpaces()
            if negate {
                reqs.append(Requirement(key: key, op: .doesNotExist, values: []))
            } else if lexer.atEnd || lexer.peek == "," {
                reqs.append(Requirement(key: key, op: .exists, values: []))
            } else if lexer.consume("==") {
                reqs.append(Requirement(key: key, op: .doubleEquals, values: [try value(&lexer)]))
            } else if lexer.consume("!=") {
                reqs.append(Requirement(key: key, op: .notEquals, values: [try value(&lexer)]))
            } else if lexer.consume("=") {
                reqs.append(Requirement(key: key, op: .equals, values: [try value(&lexer)]))
            } else if lexer.consumeWord("notin") {
                reqs.append(Requirement(key: key, op: .notIn, values: try set(&lexer)))
            } else if lexer.consumeWord("in") {
                reqs.append(Requirement(key: key, op: .in, values: try set(&lexer)))
            } else {
                throw ParseError(message: "unable to parse requirement: found '\(lexer.rest)', expected: in, notin, =, ==, !=, gt, lt")
            }
            lexer.skipSpaces()
            if lexer.atEnd { break }
            guard lexer.consume(",") else {
                throw ParseError(message: "found '\(lexer.rest)', expected: ',' or 'end of string'")
            }
        }
        return LabelSelector(requirements: reqs)
    }

    private static func value(_ lexer: inout SelectorLexer) throws(ParseError) -> String {
        lexer.skipSpaces()
        let v = lexer.readIdentifier()
        if let problem = Validation.labelValue(v).first {
            throw ParseError(message: "invalid label value: \"\(v)\": at key: \(problem)")
        }
        return v
    }

    private static func set(_ lexer: inout SelectorLexer) throws(ParseError) -> [String] {
        lexer.skipSpaces()
        guard lexer.consume("(") else { throw ParseError(message: "found '\(lexer.rest)', expected: '('") }
        var values: [String] = []
        while true {
            lexer.skipSpaces()
            if lexer.consume(")") { break }
            values.append(lexer.readIdentifier())
            lexer.skipSpaces()
            if lexer.consume(")") { break }
            guard lexer.consume(",") else { throw ParseError(message: "found '\(lexer.rest)', expected: ',', or ')'") }
        }
        return values
    }

    private static func validateKey(_ key: String) throws(ParseError) {
        if let problem = Validation.qualifiedName(key).first {
            throw ParseError(message: "key: Invalid value: \"\(key)\": \(problem)")
        }
    }

    /// Converts a `metav1.LabelSelector` object (matchLabels / matchExpressions).
    public static func from(object: JSONValue) throws(ParseError) -> LabelSelector {
        var reqs: [Requirement] = []
        if let ml = object["matchLabels"].objectValue {
            for key in ml.keys.sorted() {
                reqs.append(Requirement(key: key, op: .equals, values: [ml[key]?.stringValue ?? ""]))
            }
        }
        for expr in object["matchExpressions"].arrayValue ?? [] {
            let key = expr["key"].stringValue ?? ""
            let values = (expr["values"].arrayValue ?? []).compactMap(\.stringValue)
            switch expr["operator"].stringValue ?? "" {
            case "In": reqs.append(Requirement(key: key, op: .in, values: values))
            case "NotIn": reqs.append(Requirement(key: key, op: .notIn, values: values))
            case "Exists": reqs.append(Requirement(key: key, op: .exists, values: []))
            case "DoesNotExist": reqs.append(Requirement(key: key, op: .doesNotExist, values: []))
            case let other: throw ParseError(message: "\"\(other)\" is not a valid label selector operator")
            }
        }
        return LabelSelector(requirements: reqs)
    }

    /// The canonical string form (`app=web`), as kubectl shows in SELECTOR columns.
    public var description: String {
        requirements.map { r in
            switch r.op {
            case .equals, .doubleEquals: return "\(r.key)=\(r.values.first ?? "")"
            case .notEquals: return "\(r.key)!=\(r.values.first ?? "")"
            case .in: return "\(r.key) in (\(r.values.sorted().joined(separator: ",")))"
            case .notIn: return "\(r.key) notin (\(r.values.sorted().joined(separator: ",")))"
            case .exists: return r.key
            case .doesNotExist: return "!\(r.key)"
            }
        }.joined(separator: ",")
    }
}

/// A tiny scanner shared by the label and field selector parsers.
struct SelectorLexer {
    let chars: [Unicode.Scalar]
    var pos = 0
    init(_ chars: [Unicode.Scalar]) { self.chars = chars }

    var atEnd: Bool { pos >= chars.count }
    var peek: Unicode.Scalar? { atEnd ? nil : chars[pos] }
    var rest: String { String(String.UnicodeScalarView(chars[min(pos, chars.count)...])) }
    mutating func advance() { pos += 1 }
    mutating func skipSpaces() {
        while let c = peek, c == " " || c == "\t" { pos += 1 }
    }
    mutating func consume(_ s: String) -> Bool {
        let scalars = Array(s.unicodeScalars)
        guard pos + scalars.count <= chars.count, Array(chars[pos..<pos + scalars.count]) == scalars else { return false }
        pos += scalars.count
        return true
    }
    /// Consumes a keyword only when followed by a space or '(' (so `inx=1` is a key).
    mutating func consumeWord(_ w: String) -> Bool {
        let save = pos
        guard consume(w) else { return false }
        if let c = peek, c != " " && c != "(" && c != "\t" {
            pos = save
            return false
        }
        return true
    }
    mutating func readIdentifier() -> String {
        var out = String.UnicodeScalarView()
        while let c = peek, !" \t,=!()".unicodeScalars.contains(c) {
            out.append(c)
            pos += 1
        }
        return String(out)
    }
}
