import Foundation

/// Bearer-token authentication from a kube-apiserver style static token file
/// (`token,user,uid,"group1,group2"`), plus identities from client certificates.
public struct Authenticator: Sendable {
    private let tokens: [String: UserInfo]
    let serviceAccounts: ServiceAccountTokens?

    public init(tokens: [String: UserInfo], serviceAccounts: ServiceAccountTokens? = nil) {
        self.tokens = tokens
        self.serviceAccounts = serviceAccounts
    }

    public func authenticate(bearer: String) -> UserInfo? {
        if let user = tokens[bearer] { return user }
        if bearer.split(separator: ".").count == 3 { return serviceAccounts?.verify(bearer) }
        return nil
    }

    /// Parses the static token file format.
    public static func parseTokenFile(_ text: String) -> [String: UserInfo] {
        var out: [String: UserInfo] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            var fields: [String] = []
            var current = ""
            var quoted = false
            for c in trimmed {
                if c == "\"" {
                    quoted.toggle()
                } else if c == "," && !quoted {
                    fields.append(current)
                    current = ""
                } else {
                    current.append(c)
                }
            }
            fields.append(current)
            guard fields.count >= 2 else { continue }
            let groups = fields.count > 3 ? fields[3].split(separator: ",").map(String.init) : []
            out[fields[0]] = UserInfo(name: fields[1], groups: groups + ["system:authenticated"], uid: fields.count > 2 ? fields[2] : "")
        }
        return out
    }
}
