import DNSWire
import Foundation

/// Any server taking dynamic updates (RFC 2136): reads the zone by AXFR, writes it with
/// UPDATE messages, both TSIG-signed (RFC 8945) when a key is configured, over TCP.
/// Ownership by TXT markers.
public struct RFC2136Provider: DNSProvider {
    public let name = "rfc2136"
    public let ownership = Ownership.txtRecords
    /// Changes per UPDATE message: a create is two operations, so a message stays well
    /// under the 64 KiB a TCP message may carry.
    public let maxBatch = 200

    public let zone: DNSName
    let key: TSIGKey?
    let client: DNSTCPClient

    public init(server: String, port: Int, zone: DNSName, key: TSIGKey?, timeout: Duration = .seconds(10)) {
        self.zone = zone
        self.key = key
        client = DNSTCPClient(host: server, port: port, timeout: timeout)
    }

    /// From the configuration keys `server`, `port` (53), `zone` (else `defaultZone`),
    /// `tsig-key-name`, `tsig-secret` (base64), `tsig-algorithm` (hmac-sha256).
    public init(configuration c: ProviderConfiguration, defaultZone: DNSName) throws(ProviderConfigurationError) {
        let server = try c.required("server")
        let port = try c.integer("port", default: 53, in: 1...65535)
        var zone = defaultZone
        if let text = c.optional("zone") {
            do { zone = try DNSName(text) } catch { throw .invalidValue("zone", value: text, expected: "a domain name") }
        }
        var key: TSIGKey?
        if c.optional("tsig-key-name") != nil || c.optional("tsig-secret") != nil {
            let keyText = try c.required("tsig-key-name")
            let secretText = try c.required("tsig-secret")
            let algorithmText = c.optional("tsig-algorithm")?.lowercased() ?? "hmac-sha256"
            guard
                let algorithm = TSIGKey.Algorithm(rawValue: algorithmText.hasSuffix(".") ? String(algorithmText.dropLast()) : algorithmText)
            else { throw .invalidValue("tsig-algorithm", value: algorithmText, expected: "hmac-sha256 or hmac-sha512") }
            guard let secret = Data(base64Encoded: secretText) else {
                throw .invalidValue("tsig-secret", value: "(hidden)", expected: "base64")
            }
            let keyName: DNSName
            do { keyName = try DNSName(keyText) } catch { throw .invalidValue("tsig-key-name", value: keyText, expected: "a domain name") }
            key = TSIGKey(name: keyName, secret: Array(secret), algorithm: algorithm)
        }
        self.init(server: server, port: port, zone: zone, key: key)
    }

    public func recordSets() async throws(DNSProviderError) -> [RecordSet] {
        let query = DNSMessage(header: DNSHeader(id: .random(in: 0...UInt16.max)), questions: [DNSQuestion(name: zone, type: .axfr)])
        let messages = try await exchange(query) { messages in
            // A transfer ends with the SOA it began with; a refusal is one message.
            let decoded = messages.compactMap { try? DNSMessage(decoding: $0) }
            return decoded.contains { $0.rcode != .noError } || decoded.reduce(0) { $0 + $1.answers.filter { $0.type == .soa }.count } >= 2
        }
        var records: [ResourceRecord] = []
        for bytes in messages {
            let message: DNSMessage
            do { message = try DNSMessage(decoding: bytes) } catch { throw .badResponse("zone transfer: \(error)") }
            guard message.rcode == .noError else {
                throw .rejected(status: "\(message.rcode)", message: "zone transfer of \(zone) refused")
            }
            records += message.answers.filter { ManagedTypes.all.contains($0.type) }
        }
        return RecordSet.grouped(records)
    }

    public func apply(_ changes: [RecordSetChange]) async throws(DNSProviderError) {
        guard !changes.isEmpty else { return }
        let update = Self.updateMessage(changes, zone: zone, id: .random(in: 0...UInt16.max))
        let messages = try await exchange(update) { !$0.isEmpty }
        let response: DNSMessage
        do { response = try DNSMessage(decoding: messages[0]) } catch { throw .badResponse("update: \(error)") }
        guard response.rcode == .noError else {
            throw .rejected(status: "\(response.rcode)", message: "update of \(zone) (\(changes.count) changes) refused")
        }
    }

    /// An UPDATE (RFC 2136 §2): zone section the SOA of the zone; no prerequisites; each
    /// create or update replaces the whole RRset (delete RRset, then add its records).
    static func updateMessage(_ changes: [RecordSetChange], zone: DNSName, id: UInt16) -> DNSMessage {
        var updates: [ResourceRecord] = []
        for change in changes {
            let set = change.set
            updates.append(ResourceRecord(name: set.name, rrclass: RecordClass.any, ttl: 0, data: .raw(type: set.type, [])))
            if case .delete = change { continue }
            updates += set.records
        }
        return DNSMessage(
            header: DNSHeader(id: id, opcode: Opcode.update), questions: [DNSQuestion(name: zone, type: .soa)], authority: updates)
    }

    /// Sends `request` (signed when there is a key) and checks every response's signature.
    private func exchange(_ request: DNSMessage, complete: @escaping @Sendable ([[UInt8]]) -> Bool) async throws(DNSProviderError)
        -> [[UInt8]]
    {
        guard let key else { return try await client.exchange(request.encoded(), complete: complete) }
        let (bytes, mac) = key.sign(request)
        let messages = try await client.exchange(bytes, complete: complete)
        var verifier = TSIGVerifier(key: key, requestMAC: mac)
        do throws(DNSProviderError) {
            for message in messages { try verifier.verify(message) }
            guard verifier.endsSigned else { throw .unauthorized("the last response message is not signed") }
        } catch {
            // A refusal may come unsigned (BADKEY, BADSIG): its rcode says more.
            if let first = try? DNSMessage(decoding: messages[0]), first.rcode != .noError {
                throw .rejected(status: "\(first.rcode)", message: "\(error)")
            }
            throw error
        }
        return messages
    }
}
