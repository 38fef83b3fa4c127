/// An authenticated identity.
public struct UserInfo: Sendable, Hashable {
    public var name: String
    public var groups: [String]
    public var uid: String

    public init(name: String, groups: [String], uid: String = "") {
        self.name = name
        self.groups = groups
        self.uid = uid
    }

    public static let anonymous = UserInfo(name: "system:anonymous", groups: ["system:unauthenticated"])
    public var isAnonymous: Bool { name == "system:anonymous" }
}
