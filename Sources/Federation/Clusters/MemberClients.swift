import FederationAPI
import Foundation
import KubeAPI
import KubeClient

/// Clients of member clusters, built from each Cluster's endpoint and credentials Secret
/// (`token`, `ca.crt`, or `client.crt`/`client.key`), kept while those do not change.
public actor MemberClients {
    private var clients: [String: (fingerprint: String, client: KubeClient)] = [:]

    public init() {}

    public enum MemberError: Error, CustomStringConvertible {
        case noCredentials(cluster: String)
        case badCredentials(cluster: String, reason: String)
        public var description: String {
            switch self {
            case .noCredentials(let c): return "cluster \(c) has no credentials secret"
            case .badCredentials(let c, let reason): return "credentials of cluster \(c) are unusable: \(reason)"
            }
        }
    }

    public func client(for cluster: Cluster, secret: Secret?) async throws(MemberError) -> KubeClient {
        guard let secret else { throw .noCredentials(cluster: cluster.name) }
        let configuration = ClientConfiguration(
            server: cluster.apiEndpoint, caPEM: secret.string("ca.crt"), clientCertificatePEM: secret.string("client.crt"),
            clientKeyPEM: secret.string("client.key"), token: secret.string("token"))
        let fingerprint = "\(cluster.apiEndpoint)|\(secret.resourceVersion ?? "")"
        if let cached = clients[cluster.name], cached.fingerprint == fingerprint { return cached.client }
        let client: KubeClient
        do {
            client = try KubeClient(configuration, maxConnections: 4, connectTimeout: .milliseconds(500))
        } catch {
            throw .badCredentials(cluster: cluster.name, reason: error.description)
        }
        let old = clients[cluster.name]?.client
        clients[cluster.name] = (fingerprint, client)
        if let old { await old.shutdown() }
        return client
    }

    public func forget(_ cluster: String) async {
        if let old = clients.removeValue(forKey: cluster) { await old.client.shutdown() }
    }

    public func shutdown() async {
        for (_, entry) in clients { await entry.client.shutdown() }
        clients.removeAll()
    }
}
