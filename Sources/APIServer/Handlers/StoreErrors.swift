import KubeAPI
import Store

extension StatusError {
    /// Maps a storage failure on one object to the API error kube-apiserver returns.
    static func from(_ error: StoreError, _ def: ResourceDefinition, name: String) -> StatusError {
        switch error {
        case .keyExists: return .alreadyExists(resource: def.resource, group: def.group, name: name)
        case .keyNotFound: return .notFound(resource: def.resource, group: def.group, name: name)
        case .revisionMismatch, .requirementFailed:
            return .conflict(resource: def.resource, group: def.group, name: name, detail: StatusError.modifiedDetail)
        case .compacted(let requested, let compacted):
            return .expired("too old resource version: \(requested) (\(compacted))")
        case .futureRevision(let requested, let current):
            var e = StatusError(code: 504, reason: .timeout, message: "Too large resource version: \(requested), current: \(current)")
            e.details = Details(retryAfterSeconds: 1)
            return e
        case .unavailable(let m): return .serviceUnavailable("storage is unavailable: \(m)")
        case .timeout(let m): return StatusError(code: 504, reason: .timeout, message: "storage request timed out: \(m)")
        case .corrupt(let m): return .internalError(m)
        }
    }
}

extension StatusError {
    /// Any error from a storage operation as the API error to answer with.
    static func from(any error: any Error, _ def: ResourceDefinition, name: String) -> StatusError {
        switch error {
        case let e as StatusError: return e
        case let e as StoreError: return .from(e, def, name: name)
        default: return .internalError("\(error)")
        }
    }
}
