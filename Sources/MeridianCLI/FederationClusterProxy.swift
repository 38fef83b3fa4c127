import APIServer
import Federation
import FederationAPI
import KubeAPI
import KubeClient
import NIOHTTP1

/// `…/clusters/NAME/proxy/…` in the federation API: the request goes to the member with
/// the federation's credentials for it (so `kubectl --server …/proxy` reaches a member
/// through the control plane). Attached once the federation's own client exists.
actor FederationClusterProxy: ClusterProxy {
    nonisolated let group = Federation.group
    nonisolated let version = Federation.version
    nonisolated let resource = "clusters"
    private var federation: KubeClient?
    private var members: MemberClients?

    func attach(federation: KubeClient, members: MemberClients) {
        self.federation = federation
        self.members = members
    }

    nonisolated func forward(_ request: ProxyRequest) async throws(StatusError) -> ProxyResponse {
        guard let (federation, members) = await attached() else {
            throw StatusError(code: 503, reason: .serviceUnavailable, message: "the cluster proxy is starting")
        }
        let cluster: Cluster
        let secret: Secret?
        do {
            guard let found = try await federation.getIfExists(Cluster.self, name: request.cluster) else {
                throw StatusError.notFound(resource: "clusters", group: Federation.group, name: request.cluster)
            }
            cluster = found
            if let name = found.secretName {
                secret = try await federation.getIfExists(Secret.self, namespace: Federation.systemNamespace, name: name)
            } else {
                secret = nil
            }
        } catch let error as StatusError {
            throw error
        } catch {
            throw StatusError(code: 503, reason: .serviceUnavailable, message: "cannot read cluster \(request.cluster): \(error)")
        }
        do {
            let member = try await members.client(for: cluster, secret: secret)
            let response = try await member.transport.request(
                HTTPMethod(rawValue: request.method), request.path, body: request.body, contentType: request.contentType,
                accept: request.accept)
            return ProxyResponse(status: response.status, contentType: response.contentType, body: response.body)
        } catch {
            throw StatusError(code: 503, reason: .serviceUnavailable, message: "cluster \(request.cluster) is not reachable: \(error)")
        }
    }

    private func attached() -> (KubeClient, MemberClients)? {
        guard let federation, let members else { return nil }
        return (federation, members)
    }
}
