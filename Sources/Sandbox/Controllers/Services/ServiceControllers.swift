import KubeClient
import Logging
import NIOPosix
import Reconcile
import ServiceLifecycle

/// The Service side of the sandbox: the endpoints, EndpointSlice and EndpointSlice
/// mirroring controllers of kube-controller-manager and a loopback load-balancer
/// controller with real listeners.
enum ServiceControllers {
    static func services(_ context: SandboxContext) -> [any Service] {
        let index = ServiceSelectorIndex()
        // First handler on the Service informer: the others map pods through the index.
        context.informers.informer(for: .services).addHandler { index.apply($0) }
        let listeners = LoadBalancerListeners(
            cluster: context.configuration.name, prefix: context.configuration.loadBalancerPrefix, backends: LoadBalancerBackends(),
            group: MultiThreadedEventLoopGroup.singleton)
        return [
            EndpointsController.controller(context, index: index),
            EndpointSliceController.controller(context, index: index),
            EndpointSliceMirroring.controller(context),
            LoadBalancers(controller: LoadBalancerController.controller(context, index: index, listeners: listeners), listeners: listeners),
        ]
    }

    /// Runs the load-balancer controller and, once it stopped, closes every listener.
    struct LoadBalancers: Service {
        let controller: Controller<LoadBalancerController>
        let listeners: LoadBalancerListeners

        func run() async throws {
            do {
                try await controller.run()
            } catch {
                await listeners.closeAll()
                throw error
            }
            await listeners.closeAll()
        }
    }
}
