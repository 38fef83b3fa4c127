/// A parsed field selector (`metadata.name=x,status.phase!=Running`).
public struct FieldSelector: Sendable, Hashable {
    public struct Requirement: Sendable, Hashable {
        public var field: String
        public var negated: Bool
        public var value: String

        public init(field: String, negated: Bool, value: String) {
            self.field = field
            self.negated = negated
            self.value = value
        }
    }
    public var requirements: [Requirement]
    public var text: String

    public init(requirements: [Requirement] = [], text: String = "") {
        self.requirements = requirements
        self.text = text
    }

    public var isEmpty: Bool { requirements.isEmpty }

    public struct ParseError: Error, Sendable, Equatable {
        public var message: String
        public init(message: String) { self.message = message }
    }

    public static func parse(_ text: String) throws(ParseError) -> FieldSelector {
        var reqs: [Requirement] = []
        for part in splitTerms(text) where !part.isEmpty {
            if let r = part.range(of: "!=") {
                reqs.append(
                    Requirement(field: String(part[..<r.lowerBound]), negated: true, value: unescape(String(part[r.upperBound...]))))
            } else if let r = part.range(of: "==") {
                reqs.append(
                    Requirement(field: String(part[..<r.lowerBound]), negated: false, value: unescape(String(part[r.upperBound...]))))
            } else if let r = part.range(of: "=") {
                reqs.append(
                    Requirement(field: String(part[..<r.lowerBound]), negated: false, value: unescape(String(part[r.upperBound...]))))
            } else {
                throw ParseError(message: "invalid selector: '\(text)'; can't understand '\(part)'")
            }
        }
        return FieldSelector(requirements: reqs, text: text)
    }

    /// Splits on unescaped commas (values may contain `\,`).
    private static func splitTerms(_ text: String) -> [String] {
        var terms: [String] = []
        var current = ""
        var escaped = false
        for c in text {
            if escaped {
                current.append("\\")
                current.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "," {
                terms.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        terms.append(current)
        return terms
    }

    private static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = ""
        var escaped = false
        for c in s {
            if escaped {
                out.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// Evaluates against a map of the fields a kind exposes; unknown fields never match.
    public func matches(_ fields: [String: String]) -> Bool {
        requirements.allSatisfy { r in
            let v = fields[r.field] ?? ""
            return r.negated ? v != r.value : v == r.value
        }
    }
}
