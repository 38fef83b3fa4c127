import Hummingbird
import KubeAPI

/// Where container logs come from: a kubelet's job. A bare API server has none; a
/// sandbox provides its simulated kubelet's logs.
public protocol PodLogSource: Sendable {
    /// The log of `container` of the pod (nil: this source does not know the pod's node).
    func log(namespace: String, pod: String, uid: String, container: String, node: String) async -> [UInt8]?
}

/// `pods/log`: the log from the source when there is one, with `tailLines` and
/// `limitBytes` applied; otherwise a clear NotFound instead of hanging or returning an
/// empty body.
enum PodLogs {
    static func response(storage: RESTStorage, source: (any PodLogSource)?, namespace: String, name: String, query: QueryOptions)
        async throws -> Response
    {
        let pod = try await storage.get(CoreKinds.pods, namespace: namespace, name: name)
        let containers = (pod["spec"]["containers"].arrayValue ?? []).compactMap { $0["name"].stringValue }
        let initContainers = (pod["spec"]["initContainers"].arrayValue ?? []).compactMap { $0["name"].stringValue }
        if let container = query["container"], !(containers + initContainers).contains(container) {
            throw StatusError.badRequest("container \(container) is not valid for pod \(name)")
        }
        guard let node = pod["spec"]["nodeName"].stringValue, !node.isEmpty else {
            throw StatusError(code: 404, reason: .notFound, message: "pods \"\(name)\" has no logs: the pod is not scheduled to a node")
        }
        guard let container = query["container"] ?? (containers.count == 1 ? containers.first : nil) else {
            throw StatusError.badRequest(
                "a container name must be specified for pod \(name), choose one of: [\(containers.joined(separator: " "))]")
        }
        guard let source,
            var log = await source.log(
                namespace: namespace, pod: name, uid: pod["metadata"]["uid"].stringValue ?? "", container: container, node: node)
        else {
            throw StatusError(code: 404, reason: .notFound, message: "pods \"\(name)\" has no logs: no kubelet serves this node")
        }
        if let tail = query["tailLines"].flatMap(Int.init), tail >= 0 { log = lastLines(log, tail) }
        if let limit = query["limitBytes"].flatMap(Int.init), limit > 0, log.count > limit { log = Array(log.prefix(limit)) }
        var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: log)))
        response.headers[.contentType] = "text/plain"
        return response
    }

    static func lastLines(_ log: [UInt8], _ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        var seen = 0
        var index = log.endIndex
        if log.last == UInt8(ascii: "\n") { index -= 1 }
        while index > log.startIndex {
            index -= 1
            if log[index] == UInt8(ascii: "\n") {
                seen += 1
                if seen == count { return Array(log[(index + 1)...]) }
            }
        }
        return log
    }
}
