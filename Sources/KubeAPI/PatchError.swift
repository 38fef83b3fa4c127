/// Why a patch could not be applied; the API answers 422 (or 400 for undecodable input).
public enum PatchError: Error, Sendable, Equatable {
    case malformed(String)
    case testFailed(path: String)
    case pathNotFound(String)
    case invalidPath(String)
    case invalidOperation(String)
}
