import Foundation
import KubeAPI
import KubeClient

/// Installs a federation control plane into a host cluster, step by step with kubefed's
/// progress lines, applying every object (so a re-run converges instead of failing) and,
/// when a step fails, deleting what this run created.
struct ControlPlaneInstaller {
    let host: KubeClient
    var manifests: ControlPlaneManifests
    /// Extra names for the serving certificate (`--api-server-advertise-address`).
    let advertiseHosts: [String]
    let timeout: Duration
    let progress: Progress

    struct Installed {
        var address: String
        var server: String
        var credentials: [String: String]
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Objects this run created, in creation order: what a failure removes again.
    private actor Created {
        var objects: [(ResourceType, String?, String)] = []
        func add(_ type: ResourceType, _ namespace: String?, _ name: String) { objects.append((type, namespace, name)) }
    }

    func install() async throws -> Installed {
        let created = Created()
        do {
            return try await steps(created)
        } catch {
            progress.finishLine("failed")
            await rollBack(created)
            throw error
        }
    }

    private func steps(_ created: Created) async throws -> Installed {
        let namespace = manifests.namespace
        progress.begin("Creating a namespace \(namespace) for federation system components")
        try await apply(.namespaces, manifests.namespaceObject, created)
        progress.finishLine("done")

        progress.begin("Creating federation control plane service")
        try await apply(.services, manifests.service, created)
        let address = try await waitForAddress()
        progress.finishLine("done")

        progress.begin("Creating federation control plane objects (credentials, persistent volume claim)")
        let existing = try await host.getIfExists(.secrets, namespace: namespace, name: manifests.credentialsSecretName)
        var hosts = [address] + ControlPlaneManifests.serviceHosts(federation: manifests.federation, namespace: namespace)
        hosts += advertiseHosts
        var manifests = self.manifests
        manifests.credentials = try ControlPlaneCredentials.make(
            existing: existing.map(ControlPlaneCredentials.decode) ?? [:], hosts: hosts)
        try await apply(.serviceAccounts, manifests.serviceAccount, created)
        try await apply(.roles, manifests.role, created)
        try await apply(.roleBindings, manifests.roleBinding, created)
        try await apply(.secrets, manifests.credentialsSecret, created)
        if let dnsSecret = manifests.dnsSecret { try await apply(.secrets, dnsSecret, created) }
        if let claim = manifests.claim { try await apply(.persistentVolumeClaims, claim, created) }
        progress.finishLine("done")

        progress.begin("Creating federation component deployments")
        try await apply(.deployments, manifests.deployment, created)
        progress.finishLine("done")

        progress.begin("Waiting for federation control plane to come up")
        let server = Self.server(address: address)
        try await waitUntilServing(server: server, credentials: manifests.credentials)
        progress.finishLine("done")
        return Installed(address: address, server: server, credentials: manifests.credentials)
    }

    static func server(address: String) -> String {
        address.contains(":") ? "https://[\(address)]" : "https://\(address)"
    }

    private func apply(_ type: ResourceType, _ object: JSONValue, _ created: Created) async throws {
        let namespace = type.namespaced ? manifests.namespace : nil
        let name = object["metadata"]["name"].stringValue ?? ""
        do {
            let before = try await host.getIfExists(type, namespace: namespace, name: name)
            _ = try await host.apply(type, object, fieldManager: ControlPlaneManifests.fieldManager, force: true)
            if before == nil { await created.add(type, namespace, name) }
        } catch {
            throw Failure(description: "cannot create \(type.kind) \(namespace.map { "\($0)/" } ?? "")\(name): \(error)")
        }
    }

    /// The load balancer's first ingress address, once the host cluster has assigned one.
    private func waitForAddress() async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let service = try await host.get(.services, namespace: manifests.namespace, name: manifests.serviceName)
            let ingress = service["status"]["loadBalancer"]["ingress"][0]
            if let address = ingress["ip"].stringValue ?? ingress["hostname"].stringValue, !address.isEmpty { return address }
            guard ContinuousClock.now < deadline else {
                throw Failure(
                    description:
                        "the LoadBalancer Service \(manifests.namespace)/\(manifests.serviceName) got no address within \(Self.seconds(timeout))"
                )
            }
            try await progress.tick()
        }
    }

    /// Until the control plane answers `/readyz` through its load balancer with the admin
    /// credentials `meridian init` made.
    private func waitUntilServing(server: String, credentials: [String: String]) async throws {
        let client = try KubeClient(
            ClientConfiguration(
                server: server, caPEM: credentials["ca.crt"], clientCertificatePEM: credentials["admin.crt"],
                clientKeyPEM: credentials["admin.key"]))
        defer { Task { await client.shutdown() } }
        let deadline = ContinuousClock.now + timeout
        var lastProblem = "no answer yet"
        while true {
            do {
                let response = try await client.transport.request(.GET, "/readyz", timeout: .seconds(2))
                if response.status == 200 { return }
                lastProblem = "/readyz answered \(response.status)"
            } catch {
                lastProblem = "\(error)"
            }
            guard ContinuousClock.now < deadline else {
                let pods = await podSummary()
                throw Failure(
                    description: "the control plane did not answer at \(server) within \(Self.seconds(timeout)) (\(lastProblem); \(pods))")
            }
            try await progress.tick()
        }
    }

    /// What the control plane's pods are doing, for an error message.
    private func podSummary() async -> String {
        let selector = (manifests.selector.objectValue ?? [:]).sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.stringValue ?? "")" }.joined(separator: ",")
        guard let pods = try? await host.list(.pods, namespace: manifests.namespace, options: ListOptions(labelSelector: selector)),
            case let items = pods.items, !items.isEmpty
        else { return "no control plane pod" }
        return items.map { pod in
            let container = pod["status"]["containerStatuses"][0]
            var state = pod["status"]["phase"].stringValue ?? "Pending"
            if let waiting = container["state"]["waiting"]["reason"].stringValue { state = waiting }
            if container["ready"].boolValue == false, state == "Running" { state = "Running, not ready" }
            let restarts = container["restartCount"].intValue ?? 0
            return "pod \(pod["metadata"]["name"].stringValue ?? ""): \(state)" + (restarts > 0 ? ", \(restarts) restarts" : "")
        }.joined(separator: "; ")
    }

    /// Deletes what this run created, newest first; objects that existed before stay.
    private func rollBack(_ created: Created) async {
        for (type, namespace, name) in await created.objects.reversed() {
            try? await host.deleteIfExists(type, namespace: namespace, name: name)
        }
    }

    static func seconds(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        return seconds % 60 == 0 && seconds > 0 ? "\(seconds / 60)m" : "\(seconds)s"
    }
}

/// kubefed's progress output: `Step... done`, a dot per half second of waiting.
struct Progress: Sendable {
    var quiet = false

    func begin(_ step: String) { write("\(step)...") }
    func finishLine(_ word: String) { write(" \(word)\n") }

    func tick() async throws {
        write(".")
        try await Task.sleep(for: .milliseconds(500))
    }

    private func write(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
