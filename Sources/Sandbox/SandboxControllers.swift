import KubeClient
import Logging
import ServiceLifecycle

/// Everything that makes a bare API server look like a cluster: virtual nodes, the
/// scheduler, the simulated kubelet and the controllers of kube-controller-manager.
/// They reach the API server only through `KubeClient`, as real ones do.
public struct SandboxControllers: Service {
    let context: SandboxContext
    let runtime = ContainerRuntime()

    public init(context: SandboxContext) {
        self.context = context
    }

    /// The enabled controllers, in no particular order (each waits for its caches).
    func components() -> [any Service] {
        let enabled = context.configuration.components
        let all: [(SandboxComponent, () -> [any Service])] = [
            (.nodes, { NodeSimulator.services(context) }),
            (.namespace, { NamespaceBootstrap.services(context) }),
            (.scheduler, { Scheduler.services(context) }),
            (.kubelet, { Kubelet.services(context, runtime: runtime) }),
            (.replicaset, { ReplicaSetController.services(context) }),
            (.deployment, { DeploymentController.services(context) }),
            (.job, { JobController.services(context) }),
            (.statefulset, { StatefulSetController.services(context) }),
            (.daemonset, { DaemonSetController.services(context) }),
            (.cronjob, { CronJobController.services(context) }),
            (.garbagecollector, { GarbageCollector.services(context) }),
            (.resourcequota, { ResourceQuotaController.services(context) }),
            (.disruption, { DisruptionController.services(context) }),
            (.service, { ServiceControllers.services(context) }),
            (.persistentvolumeBinder, { ClaimBinder.services(context) }),
        ]
        return all.filter { enabled.contains($0.0) }.flatMap { $0.1() }
    }

    public func run() async throws {
        let services = components()
        let informers = context.informers
        // Informers run until cancelled, so graceful shutdown cancels the whole group.
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask { await informers.run() }
                    // With every controller switched off nothing else runs until shutdown.
                    group.addTask { try? await gracefulShutdown() }
                    for service in services {
                        group.addTask { try await service.run() }
                    }
                }
            }
        } catch {
            await runtime.stopAll()
            throw error
        }
        // Process pods die with the sandbox.
        await runtime.stopAll()
    }
}
