import Foundation

/// A provider's configuration file as kubefed read it (gcfg/INI): `key = value` lines,
/// `#` or `;` comments, an optional `[Global]` section; keys compare case-insensitively.
public struct ProviderConfiguration: Sendable, Equatable {
    public private(set) var values: [String: String]
    /// The file the values came from, for error messages.
    public let source: String

    public init(values: [String: String], source: String = "--dns-provider-config") {
        self.values = Dictionary(values.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
        self.source = source
    }

    /// Parses `text`. Values may be quoted; sections other than `[Global]` are an error
    /// (kubefed's providers read only that one).
    public init(parsing text: String, source: String = "--dns-provider-config") throws(ProviderConfigurationError) {
        var values: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw .malformedLine(line: index + 1, text: line) }
                let section = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                guard section.lowercased() == "global" else { throw .unknownSection(section) }
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw .malformedLine(line: index + 1, text: line) }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { throw .malformedLine(line: index + 1, text: line) }
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            values[key] = value
        }
        self.init(values: values, source: source)
    }

    /// The value of `key`, or a typed error naming it.
    public func required(_ key: String) throws(ProviderConfigurationError) -> String {
        guard let value = values[key.lowercased()], !value.isEmpty else { throw .missingKey(key, file: source) }
        return value
    }

    /// The value of `key` if set and not empty.
    public func optional(_ key: String) -> String? {
        guard let value = values[key.lowercased()], !value.isEmpty else { return nil }
        return value
    }

    /// An integer value within `range`, `fallback` when absent.
    public func integer(_ key: String, default fallback: Int, in range: ClosedRange<Int>) throws(ProviderConfigurationError) -> Int {
        guard let text = optional(key) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw .invalidValue(key, value: text, expected: "an integer in \(range)")
        }
        return value
    }
}

/// Why a provider configuration cannot be used.
public enum ProviderConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingKey(String, file: String)
    case invalidValue(String, value: String, expected: String)
    case malformedLine(line: Int, text: String)
    case unknownSection(String)
    case missingConfiguration(provider: String)
    case unknownProvider(String)

    public var description: String {
        switch self {
        case .missingKey(let key, let file): return "\(file) lacks the key '\(key)'"
        case .invalidValue(let key, let value, let expected): return "'\(key)' is '\(value)', expected \(expected)"
        case .malformedLine(let line, let text): return "line \(line) is not 'key = value': \(text)"
        case .unknownSection(let section): return "unknown section [\(section)] (only [Global] is read)"
        case .missingConfiguration(let provider): return "--dns-provider \(provider) needs --dns-provider-config"
        case .unknownProvider(let name): return "no DNS provider named \(name)"
        }
    }
}
