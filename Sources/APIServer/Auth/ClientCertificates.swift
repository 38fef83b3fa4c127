import NIOCore
import NIOSSL
import X509

/// Identity from a verified TLS client certificate: CN is the user, O entries the groups
/// (kube-apiserver's x509 authenticator).
enum ClientCertificates {
    static func user(of channel: any Channel) async -> UserInfo? {
        // HTTP/1 requests run on the TLS channel itself; HTTP/2 streams on a child of it.
        for candidate in [channel, channel.parent].compactMap({ $0 }) {
            if let cert = try? await candidate.nioSSL_peerCertificate().get() {
                return identity(cert)
            }
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
