import Hummingbird
import Logging
import NIOCore

/// Hummingbird request context carrying the connection, so authentication can read the
/// TLS peer certificate.
public struct KubeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    public var maxUploadSize: Int { APIResponder.maxBodyBytes }
}
