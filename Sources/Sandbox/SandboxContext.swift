import KubeClient
import Logging
import Reconcile

/// What every sandbox controller shares: the client of the sandbox's own API server,
/// the shared informers, the event recorder and the configuration.
public struct SandboxContext: Sendable {
    public let client: KubeClient
    public let informers: SharedInformers
    public let configuration: SandboxConfiguration
    public let logger: Logger

    public init(client: KubeClient, informers: SharedInformers, configuration: SandboxConfiguration, logger: Logger) {
        self.client = client
        self.informers = informers
        self.configuration = configuration
        self.logger = logger
    }

    /// An event recorder for one controller (`component` is its source).
    public func recorder(_ component: String) -> EventRecorder {
        EventRecorder(client: client, component: component, logger: logger)
    }
}
