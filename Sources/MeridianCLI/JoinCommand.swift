import ArgumentParser
import Federation
import FederationAPI
import Foundation
import KubeAPI
import KubeClient

/// Options shared by `join` and `unjoin`: which kubeconfig, which federation.
struct FederationContextOptions: ParsableArguments {
    @Option(help: "Context of the cluster the control plane runs in (the federation's own context when it runs outside a cluster).")
    var hostClusterContext: String

    @Option(help: "Federation context (default: the kubeconfig's current context, as after `kubectl config use-context FED`).")
    var federation: String?

    @Option(help: "Path to the kubeconfig (default: $KUBECONFIG or ~/.kube/config).")
    var kubeconfig: String?

    func load() throws -> (Kubeconfig, federation: String) {
        let config = try Kubeconfig.load(explicitPath: kubeconfig)
        guard config.contexts[hostClusterContext] != nil else {
            throw CLIError("--host-cluster-context \(hostClusterContext) is not a context of the kubeconfig")
        }
        guard let federation = federation ?? config.currentContext else {
            throw CLIError("no federation context: pass --federation or `kubectl config use-context FED` first")
        }
        guard config.contexts[federation] != nil else { throw CLIError("federation context \(federation) is not in the kubeconfig") }
        return (config, federation)
    }
}

struct JoinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Join a cluster to the federation (kubefed-compatible).",
        discussion: """
            Creates in the member a ServiceAccount meridian-<FED> with a ClusterRole for propagation and status, stores its \
            token and the member's CA in the federation's federation-system namespace, and creates the Cluster object \
            (region and zone from the member's node labels unless given).

            Examples:
              kubectl config use-context myfederation
              meridian join westuscluster1 --host-cluster-context westuscluster1 --cluster-context westuscluster1
            """)

    @Argument(help: "Name of the Cluster in the federation.")
    var cluster: String

    @Option(help: "Context of the joining cluster (default: the cluster name).")
    var clusterContext: String?

    @Option(help: "Namespace in the member for the federation's ServiceAccount.")
    var clusterNamespace: String = Federation.systemNamespace

    @Option(help: "Region of the cluster (default: topology.kubernetes.io/region of its nodes).")
    var region: String?

    @Option(help: "Zone of the cluster (default: topology.kubernetes.io/zone of its nodes).")
    var zone: String?

    @OptionGroup var options: FederationContextOptions

    func validate() throws {
        guard Validation.dns1123Label(cluster).isEmpty else { throw ValidationError("cluster name \(cluster) is not a valid DNS label") }
    }

    func run() async throws {
        let (config, federationContext) = try options.load()
        let memberContext = clusterContext ?? cluster
        let memberConfiguration = try config.resolve(context: memberContext)
        let member = try KubeClient(memberConfiguration)
        let federation = try KubeClient(try config.resolve(context: federationContext))
        do {
            var registration = ClusterRegistration(cluster: cluster, federationName: federationContext, region: region, zone: zone)
            registration.memberNamespace = clusterNamespace
            try await registration.join(member: member, memberConfiguration: memberConfiguration, federation: federation)
        } catch {
            await member.shutdown()
            await federation.shutdown()
            throw error
        }
        await member.shutdown()
        await federation.shutdown()
        print("cluster \"\(cluster)\" joined federation \"\(federationContext)\"")
    }
}

struct UnjoinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unjoin",
        abstract: "Remove a cluster from the federation (kubefed-compatible).",
        discussion: """
            Deletes the Cluster and its credentials from the federation, everything the federation propagated to the \
            member (unless --keep-resources; namespaces stay) and the federation's ServiceAccount, ClusterRole and binding.

            Example:
              meridian unjoin eastuscluster1 --host-cluster-context westuscluster1 --cluster-context eastuscluster1
            """)

    @Argument(help: "Name of the Cluster in the federation.")
    var cluster: String

    @Option(help: "Context of the cluster (default: the cluster name); without it only the federation side is removed.")
    var clusterContext: String?

    @Option(help: "Namespace in the member of the federation's ServiceAccount.")
    var clusterNamespace: String = Federation.systemNamespace

    @Flag(help: "Leave what the federation propagated in the member.")
    var keepResources = false

    @OptionGroup var options: FederationContextOptions

    func run() async throws {
        let (config, federationContext) = try options.load()
        let federation = try KubeClient(try config.resolve(context: federationContext))
        guard try await federation.getIfExists(Cluster.self, name: cluster) != nil else {
            await federation.shutdown()
            throw CLIError("cluster \"\(cluster)\" is not a member of federation \"\(federationContext)\"")
        }
        try await federation.deleteIfExists(.clusters, name: cluster)
        try await federation.deleteIfExists(.secrets, namespace: Federation.systemNamespace, name: cluster)
        await federation.shutdown()
        let memberContext = clusterContext ?? cluster
        if config.contexts[memberContext] != nil {
            let member = try KubeClient(try config.resolve(context: memberContext))
            let access = MemberJoin(federationName: federationContext, cluster: cluster, namespace: clusterNamespace)
            do {
                if !keepResources { try await access.removePropagated(from: member) }
                try await access.revokeAccess(in: member)
            } catch {
                await member.shutdown()
                throw error
            }
            await member.shutdown()
        }
        print("cluster \"\(cluster)\" unjoined from federation \"\(federationContext)\"")
    }
}
