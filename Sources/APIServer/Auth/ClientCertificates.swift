import NIOCore
import NIOSSL
import Synchronization
import X509

/// Identity from a verified TLS client certificate: CN is the user, O entries the groups
/// (kube-apiserver's x509 authenticator). Identities are cached per connection, so the
/// certificate is read once per connection, not once per request.
final class ClientCertificates: Sendable {
    private let byConnection = Mutex<[ObjectIdentifier: UserInfo?]>([:])

    func user(of channel: any Channel) async -> UserInfo? {
        // HTTP/1 requests run on the TLS channel itself; HTTP/2 streams on a child of it.
        let candidates = [channel, channel.parent].compactMap { $0 }
        for candidate in candidates {
            if let cached = byConnection.withLock({ $0[ObjectIdentifier(candidate)] }) { return cached }
        }
        for candidate in candidates {
            guard let cert = try? await candidate.nioSSL_peerCertificate().get() else { continue }
            let identity = Self.identity(cert)
            let key = ObjectIdentifier(candidate)
            byConnection.withLock { $0[key] = .some(identity) }
            candidate.closeFuture.whenComplete { [weak self] _ in
                _ = self?.byConnection.withLock { $0.removeValue(forKey: key) }
            }
            return identity
        }
        return nil
    }

    static func identity(_ cert: NIOSSLCertificate) -> UserInfo? {
        guard let der = try? cert.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else { return nil }
        var name: String?
        var groups: [String] = []
        for rdn in parsed.subject {
            for attribute in rdn {
                if attribute.type == .RDNAttributeType.commonName { name = String(describing: attribute.value) }
                if attribute.type == .RDNAttributeType.organizationName { groups.append(String(describing: attribute.value)) }
            }
        }
        guard let name, !name.isEmpty else { return nil }
        return UserInfo(name: name, groups: groups + ["system:authenticated"])
    }
}
