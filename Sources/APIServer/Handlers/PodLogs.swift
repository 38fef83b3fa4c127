import Hummingbird
import KubeAPI

/// `pods/log`. A bare API server runs no containers, so there is never a log to read; the
/// answer says so clearly instead of hanging or returning an empty body.
enum PodLogs {
    static func response(storage: RESTStorage, namespace: String, name: String, query: QueryOptions) async throws -> Response {
        let pod = try await storage.get(CoreKinds.pods, namespace: namespace, name: name)
        let containers = (pod["spec"]["containers"].arrayValue ?? []).compactMap { $0["name"].stringValue }
        if let container = query["container"], !containers.contains(container) {
            throw StatusError.badRequest("container \(container) is not valid for pod \(name)")
        }
        if (pod["spec"]["nodeName"].stringValue ?? "").isEmpty {
            throw StatusError(code: 404, reason: .notFound, message: "pods \"\(name)\" has no logs: the pod is not scheduled to a node")
        }
        throw StatusError(code: 404, reason: .notFound, message: "pods \"\(name)\" has no logs: no kubelet serves this node")
    }
}
