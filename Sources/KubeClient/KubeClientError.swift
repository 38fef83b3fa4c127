import KubeAPI

/// Why a call through `KubeClient` failed.
public enum KubeClientError: Error, Sendable, CustomStringConvertible {
    /// The kubeconfig or certificates cannot be used.
    case configuration(String)
    /// The server could not be reached or the connection broke.
    case transport(String)
    /// The server answered with a `Status` error (404 NotFound, 409 Conflict, …).
    case status(StatusError)
    /// The server's answer was not what the API promises.
    case malformedResponse(String)

    public var description: String {
        switch self {
        case .configuration(let m): return "client configuration: \(m)"
        case .transport(let m): return "request failed: \(m)"
        case .status(let s): return s.message
        case .malformedResponse(let m): return "malformed response: \(m)"
        }
    }

    /// The API status, when the server answered with one.
    public var statusError: StatusError? {
        if case .status(let s) = self { return s }
        return nil
    }

    public var isNotFound: Bool { statusError?.code == 404 }
    public var isAlreadyExists: Bool { statusError?.reason == .alreadyExists }
    public var isConflict: Bool { statusError?.code == 409 && statusError?.reason == .conflict }
    /// 410: the resourceVersion asked for has been compacted away; re-list.
    public var isGone: Bool { statusError?.code == 410 }
}
