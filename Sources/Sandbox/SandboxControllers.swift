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

    /// The controllers, in no particular order (each waits for its caches).
    func components() -> [any Service] {
        var services: [any Service] = []
        services += NodeSimulator.services(context)
        services += NamespaceBootstrap.services(context)
        services += Scheduler.services(context)
        services += Kubelet.services(context, runtime: runtime)
        services += ReplicaSetController.services(context)
        services += DeploymentController.services(context)
        services += JobController.services(context)
        services += StatefulSetController.services(context)
        services += DaemonSetController.services(context)
        services += CronJobController.services(context)
        services += GarbageCollector.services(context)
        services += ResourceQuotaController.services(context)
        services += DisruptionController.services(context)
        services += ServiceControllers.services(context)
        services += ClaimBinder.services(context)
        return services
    }

    public func run() async throws {
        let services = components()
        let informers = context.informers
        // Informers run until cancelled, so graceful shutdown cancels the whole group.
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask { await informers.run() }
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
