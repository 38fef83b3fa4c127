import FederationAPI
import Foundation
import KubeAPI
import KubeClient

/// `join` in one call: the member grants the federation an account; the federation stores
/// its token and CA and gets the Cluster object. Idempotent: joining again refreshes the
/// endpoint and credentials.
public struct ClusterRegistration: Sendable {
    public var cluster: String
    public var federationName: String
    public var memberNamespace: String = Federation.systemNamespace
    public var region: String?
    public var zone: String?

    public init(cluster: String, federationName: String, region: String? = nil, zone: String? = nil) {
        self.cluster = cluster
        self.federationName = federationName
        self.region = region
        self.zone = zone
    }

    public func join(member: KubeClient, memberConfiguration: ClientConfiguration, federation: KubeClient) async throws(KubeClientError) {
        let access = MemberJoin(federationName: federationName, cluster: cluster, namespace: memberNamespace)
        let token = try await access.grantAccess(in: member)
        let topology = try await MemberJoin.topology(of: member)
        var credentials = Secret(name: cluster, namespace: Federation.systemNamespace)
        var data = ["token": Data(token.utf8)]
        if let ca = memberConfiguration.caPEM { data["ca.crt"] = Data(ca.utf8) }
        credentials.data = data
        credentials.labels = ["federation.meridian.dev/cluster": cluster]
        var object = Cluster(name: cluster)
        object.apiEndpoint = memberConfiguration.server
        object.secretName = cluster
        object.region = region ?? topology.region
        object.zone = zone ?? topology.zone
        try await FederationBootstrap.install(federation)
        _ = try await federation.apply(credentials, fieldManager: "meridian-join", force: true)
        _ = try await federation.apply(object, fieldManager: "meridian-join", force: true)
    }
}
