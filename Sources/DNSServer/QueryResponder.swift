import DNSWire

/// Turns a query into its response(s) from one snapshot: pure, so the listeners only move
/// bytes. Authoritative answers for the zone, REFUSED outside it, FORMERR for what does
/// not parse, NOTIMP for opcodes and transfers it does not do, BADVERS for EDNS versions
/// above 0; UDP answers larger than the client takes are truncated (TC).
public struct QueryResponder: Sendable {
    public enum Transport: Sendable {
        case udp
        case tcp
    }

    /// What this server advertises in its OPT record (the DNS flag day 2020 value).
    public static let advertisedPayloadSize: UInt16 = 1232
    /// Records per message of a zone transfer.
    static let transferChunk = 256

    public init() {}

    /// The response messages to `bytes` (more than one only for AXFR); empty when nothing
    /// should be sent (a response, or too short to have a header).
    public func respond(to bytes: [UInt8], over transport: Transport, snapshot: ZoneSnapshot) -> [[UInt8]] {
        let query: DNSMessage
        do {
            query = try DNSMessage(decoding: bytes)
        } catch {
            guard let (header, _) = DNSMessage.decodeHeader(bytes), !header.isResponse else { return [] }
            var response = DNSMessage(header: Self.responseHeader(header))
            response.rcode = .formatError
            return [response.encoded()]
        }
        if query.header.isResponse { return [] }
        return respond(to: query, over: transport, snapshot: snapshot).map { encode($0, for: query, over: transport) }
    }

    /// The response messages to a parsed query.
    public func respond(to query: DNSMessage, over transport: Transport, snapshot: ZoneSnapshot) -> [DNSMessage] {
        var response = DNSMessage(header: Self.responseHeader(query.header), questions: query.questions)
        if query.edns != nil { response.edns = EDNS(udpPayloadSize: Self.advertisedPayloadSize) }
        if let edns = query.edns, edns.version > 0 {
            response.rcode = .badVersion
            return [response]
        }
        guard query.header.opcode == Opcode.query else {
            response.rcode = .notImplemented
            return [response]
        }
        guard query.questions.count == 1, let question = query.questions.first else {
            response.rcode = .formatError
            return [response]
        }
        guard question.qclass == RecordClass.internet || question.qclass == RecordClass.any,
            question.name.isSubdomain(of: snapshot.origin)
        else {
            response.rcode = .refused
            return [response]
        }
        response.header.authoritative = true
        switch question.type {
        case .axfr:
            return transfer(question, response, over: transport, snapshot: snapshot)
        case .ixfr, .opt, .tsig:
            response.header.authoritative = false
            response.rcode = .notImplemented
            return [response]
        default:
            break
        }
        let (outcome, answers) = ZoneLookup(snapshot: snapshot).lookup(question.name, question.type)
        response.answers = answers
        switch outcome {
        case .success:
            if question.type == .ns, question.name == snapshot.origin { response.additional = glue(snapshot) }
        case .noData:
            response.authority = [snapshot.negativeSOA]
        case .nameError:
            response.rcode = .nameError
            response.authority = [snapshot.negativeSOA]
        }
        return [response]
    }

    private func glue(_ snapshot: ZoneSnapshot) -> [ResourceRecord] {
        snapshot.configuration.nameServers.flatMap { server in
            [RecordType.a, .aaaa].flatMap { type in
                (snapshot.rrset(server.name, type)?.data ?? []).map {
                    ResourceRecord(name: server.name, ttl: snapshot.configuration.nsTTL, data: $0)
                }
            }
        }
    }

    /// AXFR (RFC 5936): TCP only, at the apex only: SOA, every record, SOA.
    private func transfer(_ question: DNSQuestion, _ template: DNSMessage, over transport: Transport, snapshot: ZoneSnapshot)
        -> [DNSMessage]
    {
        var response = template
        guard transport == .tcp else {
            response.header.authoritative = false
            response.rcode = .notImplemented
            return [response]
        }
        guard question.name == snapshot.origin else {
            response.header.authoritative = false
            response.rcode = .notAuth
            return [response]
        }
        let records = [snapshot.soa] + snapshot.transferRecords + [snapshot.soa]
        var messages: [DNSMessage] = []
        var start = 0
        while start < records.count {
            var message = template
            if !messages.isEmpty {
                message.questions = []
                message.edns = nil
            }
            message.answers = Array(records[start..<min(start + Self.transferChunk, records.count)])
            messages.append(message)
            start += Self.transferChunk
        }
        return messages
    }

    /// Encodes a response; over UDP one that does not fit the client's size keeps only its
    /// question (and OPT) and says TC.
    func encode(_ response: DNSMessage, for query: DNSMessage, over transport: Transport) -> [UInt8] {
        let bytes = response.encoded()
        guard transport == .udp else { return bytes }
        let limit = Int(max(512, min(query.edns?.udpPayloadSize ?? 512, Self.advertisedPayloadSize)))
        guard bytes.count > limit else { return bytes }
        var truncated = response
        truncated.header.truncated = true
        truncated.answers = []
        truncated.authority = []
        truncated.additional = []
        return truncated.encoded()
    }

    static func responseHeader(_ query: DNSHeader) -> DNSHeader {
        DNSHeader(
            id: query.id, isResponse: true, opcode: query.opcode, recursionDesired: query.recursionDesired,
            checkingDisabled: query.checkingDisabled)
    }
}
