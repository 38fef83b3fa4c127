import ArgumentParser
import Foundation
import KubeAPI
import KubeClient

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Install a federation control plane into a host cluster (kubefed-compatible).",
        discussion: """
            Creates in the host cluster the namespace federation-system, a ServiceAccount with a Role, a Secret with the \
            control plane's certificates (and the DNS provider's configuration), a PersistentVolumeClaim for its state, a \
            Deployment running `meridian serve` and a LoadBalancer Service in front of it; waits until the federation API \
            answers and adds cluster, user and context FED to the kubeconfig. Running it again converges to the same \
            objects and keeps the credentials; a failure removes what that run created.

            Examples:
              meridian init myfederation --host-cluster-context=westuscluster1
              meridian init myfederation --host-cluster-context=westuscluster1 --dry-run -o yaml > federation.yaml
            """)

    @Argument(help: "Name of the federation: the kubeconfig context and the prefix of the objects created.")
    var federation: String

    @Option(help: "Context of the cluster the control plane is installed into.")
    var hostClusterContext: String

    @Option(help: "Container image of the control plane.")
    var image = "ghcr.io/meridian-dev/meridian:\(MeridianVersion.version)"

    @Option(help: "Namespace in the host cluster for the control plane.")
    var federationSystemNamespace = "federation-system"

    @Option(help: "Keep the control plane's state on a PersistentVolumeClaim (false: an emptyDir, lost with the pod).")
    var etcdPersistentStorage = true

    @Option(help: "Size of the state's PersistentVolumeClaim.")
    var etcdPvCapacity = "10Gi"

    @Option(help: "StorageClass of the state's PersistentVolumeClaim (default: the cluster's default class).")
    var etcdPvStorageClass: String?

    @Option(
        parsing: .singleValue,
        help: "Another address clients reach the control plane at, added to its serving certificate (repeatable).")
    var apiServerAdvertiseAddress: [String] = []

    @Option(help: "How long to wait for the load balancer and for the control plane to answer, in seconds.")
    var timeout = 300

    @Flag(help: "Print what would be created instead of creating it (with -o, the manifests).")
    var dryRun = false

    @Option(name: .shortAndLong, help: "With --dry-run: print the manifests as yaml or json.")
    var output: String?

    @Option(help: "Path to the kubeconfig (default: $KUBECONFIG or ~/.kube/config).")
    var kubeconfig: String?

    @OptionGroup var dns: DNSOptions

    func validate() throws {
        guard Validation.dns1123Label(federation).isEmpty, federation.count <= 40 else {
            throw ValidationError("federation name \(federation) must be a DNS label of at most 40 characters")
        }
        guard Validation.dns1123Label(federationSystemNamespace).isEmpty else {
            throw ValidationError("--federation-system-namespace \(federationSystemNamespace) is not a valid namespace name")
        }
        if let output {
            guard ["yaml", "json"].contains(output) else { throw ValidationError("--output must be yaml or json, not \(output)") }
            guard dryRun else { throw ValidationError("--output prints manifests and needs --dry-run") }
        }
        guard Quantity.milli(etcdPvCapacity) != nil else { throw ValidationError("--etcd-pv-capacity \(etcdPvCapacity) is not a quantity") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() async throws {
        var manifests = ControlPlaneManifests(
            federation: federation, namespace: federationSystemNamespace, image: image, credentials: [:],
            dnsProvider: dns.dnsProvider, dnsZoneName: dns.dnsZoneName, dnsProviderConfig: try dns.configurationText())
        manifests.storage = etcdPersistentStorage ? .init(capacity: etcdPvCapacity, storageClass: etcdPvStorageClass) : nil
        if dryRun {
            try printDryRun(manifests)
            return
        }
        let config = try Kubeconfig.load(explicitPath: kubeconfig)
        guard config.contexts[hostClusterContext] != nil else {
            throw CLIError("--host-cluster-context \(hostClusterContext) is not a context of the kubeconfig")
        }
        let host = try KubeClient(try config.resolve(context: hostClusterContext))
        let installed: ControlPlaneInstaller.Installed
        do {
            let installer = ControlPlaneInstaller(
                host: host, manifests: manifests, advertiseHosts: apiServerAdvertiseAddress, timeout: .seconds(timeout),
                progress: Progress())
            installed = try await installer.install()
        } catch {
            await host.shutdown()
            throw error
        }
        await host.shutdown()

        Progress().begin("Updating kubeconfig")
        try writeKubeconfig(installed)
        Progress().finishLine("done")
        print("Federation API server is running at: \(installed.address)")
    }

    private func printDryRun(_ manifests: ControlPlaneManifests) throws {
        var manifests = manifests
        let hosts = ControlPlaneManifests.serviceHosts(federation: federation, namespace: federationSystemNamespace)
        manifests.credentials = try ControlPlaneCredentials.make(existing: [:], hosts: hosts + apiServerAdvertiseAddress)
        switch output {
        case "yaml": print(try manifests.yaml(), terminator: "")
        case "json": print(manifests.json(), terminator: "")
        default:
            for (type, object) in manifests.objects {
                let namespace = type.namespaced ? "\(federationSystemNamespace)/" : ""
                print("\(type.kind) \(namespace)\(object["metadata"]["name"].stringValue ?? "") (dry run)")
            }
        }
    }

    /// Cluster, user and context named after the federation, as kubefed wrote them.
    private func writeKubeconfig(_ installed: ControlPlaneInstaller.Installed) throws {
        let path = Kubeconfig.writeTarget(explicitPath: kubeconfig, context: federation)
        try KubeconfigWriter.upsert(
            path: path,
            cluster: .init(name: federation, server: installed.server, certificateAuthorityPEM: installed.credentials["ca.crt"]),
            user: .init(
                name: federation, clientCertificatePEM: installed.credentials["admin.crt"],
                clientKeyPEM: installed.credentials["admin.key"]),
            context: .init(name: federation, cluster: federation, user: federation))
    }
}
