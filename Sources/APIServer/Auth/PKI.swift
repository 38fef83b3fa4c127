import Crypto
import Foundation
import SwiftASN1
import X509

/// The server's certificate authority and the certificates it issues: created on first
/// start in the data directory and reused afterwards.
public struct PKI: Sendable {
    public let caCertificatePEM: String
    public let servingCertificatePEM: String
    public let servingKeyPEM: String
    public let adminCertificatePEM: String
    public let adminKeyPEM: String
    public let serviceAccountKey: P256.Signing.PrivateKey
    let caKey: P256.Signing.PrivateKey
    let caCertificate: Certificate

    public enum PKIError: Error, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        public var description: String {
            switch self {
            case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
            }
        }
    }

    /// Loads the PKI in `directory/pki`, creating whatever is missing.
    public static func loadOrCreate(directory: String, hosts: [String]) throws -> PKI {
        let dir = (directory as NSString).appendingPathComponent("pki")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }
        func read(_ name: String) -> String? { try? String(contentsOfFile: path(name), encoding: .utf8) }
        func write(_ name: String, _ text: String) throws {
            try text.write(toFile: path(name), atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path(name))
        }

        let caKey: P256.Signing.PrivateKey
        let caCert: Certificate
        if let keyPEM = read("ca.key"), let certPEM = read("ca.crt") {
            do {
                caKey = try P256.Signing.PrivateKey(pemRepresentation: keyPEM)
                caCert = try Certificate(pemEncoded: certPEM)
            } catch {
                throw PKIError.unreadable(path: path("ca.crt"), reason: "\(error)")
            }
        } else {
            caKey = P256.Signing.PrivateKey()
            let name = try DistinguishedName { CommonName("meridian-ca") }
            caCert = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
                notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(10 * 365 * 86400),
                issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                },
                issuerPrivateKey: .init(caKey))
            try write("ca.key", caKey.pemRepresentation)
            try write("ca.crt", try caCert.serializeAsPEM().pemString)
            // A new CA invalidates anything issued before it.
            for stale in ["apiserver.crt", "apiserver.key", "admin.crt", "admin.key"] {
                try? FileManager.default.removeItem(atPath: path(stale))
            }
        }

        // The serving certificate is re-issued when the set of names changes.
        let hostList = Array(Set(["localhost", "127.0.0.1"] + hosts)).sorted()
        var servingCert = read("apiserver.crt")
        var servingKey = read("apiserver.key")
        if read("apiserver.hosts") != hostList.joined(separator: ",") || servingCert == nil || servingKey == nil {
            let key = P256.Signing.PrivateKey()
            var names: [GeneralName] = []
            for h in hostList {
                if let ip = ipv4Bytes(h) {
                    names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(ip))))
                } else {
                    names.append(.dnsName(h))
                }
            }
            let cert = try issue(
                subject: try DistinguishedName { CommonName("meridian-apiserver") }, key: key, caKey: caKey, caCert: caCert,
                extensions: try Certificate.Extensions {
                    Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectAlternativeNames(names)
                })
            servingCert = try cert.serializeAsPEM().pemString
            servingKey = key.pemRepresentation
            try write("apiserver.crt", servingCert!)
            try write("apiserver.key", servingKey!)
            try write("apiserver.hosts", hostList.joined(separator: ","))
        }

        var adminCert = read("admin.crt")
        var adminKey = read("admin.key")
        if adminCert == nil || adminKey == nil {
            let (certPEM, keyPEM) = try issueClientCertificate(
                user: "meridian-admin", groups: ["system:masters"], caKey: caKey, caCert: caCert)
            adminCert = certPEM
            adminKey = keyPEM
            try write("admin.crt", certPEM)
            try write("admin.key", keyPEM)
        }

        let saKey: P256.Signing.PrivateKey
        if let pem = read("sa.key"), let k = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            saKey = k
        } else {
            saKey = P256.Signing.PrivateKey()
            try write("sa.key", saKey.pemRepresentation)
        }
        return PKI(
            caCertificatePEM: try caCert.serializeAsPEM().pemString, servingCertificatePEM: servingCert!, servingKeyPEM: servingKey!,
            adminCertificatePEM: adminCert!, adminKeyPEM: adminKey!, serviceAccountKey: saKey, caKey: caKey, caCertificate: caCert)
    }

    /// The files of a PKI directory, by name: what `meridian init` stores in the control
    /// plane's Secret and `load(directory:)` reads back.
    public static let fileNames = [
        "ca.crt", "ca.key", "apiserver.crt", "apiserver.key", "apiserver.hosts", "admin.crt", "admin.key", "sa.key",
    ]

    /// Loads a complete PKI that another tool made (a Secret mounted read-only): nothing is
    /// created or written; a missing or unreadable file is an error naming it.
    public static func load(directory: String) throws -> PKI {
        func read(_ name: String) throws -> String {
            let path = (directory as NSString).appendingPathComponent(name)
            do {
                return try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw PKIError.unreadable(path: path, reason: error.localizedDescription)
            }
        }
        func parse<T>(_ name: String, _ make: (String) throws -> T) throws -> T {
            let text = try read(name)
            do {
                return try make(text)
            } catch {
                throw PKIError.unreadable(path: (directory as NSString).appendingPathComponent(name), reason: "\(error)")
            }
        }
        let caKey = try parse("ca.key") { try P256.Signing.PrivateKey(pemRepresentation: $0) }
        let caCert = try parse("ca.crt") { try Certificate(pemEncoded: $0) }
        let saKey = try parse("sa.key") { try P256.Signing.PrivateKey(pemRepresentation: $0) }
        return PKI(
            caCertificatePEM: try read("ca.crt"), servingCertificatePEM: try read("apiserver.crt"),
            servingKeyPEM: try read("apiserver.key"),
            adminCertificatePEM: try read("admin.crt"), adminKeyPEM: try read("admin.key"), serviceAccountKey: saKey, caKey: caKey,
            caCertificate: caCert)
    }

    static func issue(
        subject: DistinguishedName, key: P256.Signing.PrivateKey, caKey: P256.Signing.PrivateKey, caCert: Certificate,
        extensions: Certificate.Extensions
    ) throws -> Certificate {
        try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(2 * 365 * 86400),
            issuer: caCert.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: .init(caKey))
    }

    /// A client certificate whose CN is the user and whose O entries are its groups.
    public static func issueClientCertificate(user: String, groups: [String], caKey: P256.Signing.PrivateKey, caCert: Certificate) throws
        -> (cert: String, key: String)
    {
        let key = P256.Signing.PrivateKey()
        var attributes = groups.map { RelativeDistinguishedName.Attribute(type: .RDNAttributeType.organizationName, utf8String: $0) }
        attributes.append(RelativeDistinguishedName.Attribute(type: .RDNAttributeType.commonName, utf8String: user))
        let subject = DistinguishedName(attributes.map { RelativeDistinguishedName($0) })
        let cert = try issue(
            subject: subject, key: key, caKey: caKey, caCert: caCert,
            extensions: try Certificate.Extensions {
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.clientAuth])
            })
        return (try cert.serializeAsPEM().pemString, key.pemRepresentation)
    }

    public func issueClientCertificate(user: String, groups: [String]) throws -> (cert: String, key: String) {
        try Self.issueClientCertificate(user: user, groups: groups, caKey: caKey, caCert: caCertificate)
    }

    static func ipv4Bytes(_ s: String) -> [UInt8]? {
        let parts = s.split(separator: ".").compactMap { UInt8($0) }
        return parts.count == 4 && s.split(separator: ".").count == 4 ? parts : nil
    }
}
