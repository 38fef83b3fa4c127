import DNSWire
import Testing

@Suite struct DNSMessageTests {
    static let zone: DNSName = "meridian.local."

    static func sample() -> DNSMessage {
        let name: DNSName = "web.default.fed.svc.meridian.local."
        return DNSMessage(
            header: DNSHeader(id: 0xBEEF, isResponse: true, authoritative: true, recursionDesired: true),
            questions: [DNSQuestion(name: name, type: .a)],
            answers: [
                ResourceRecord(name: name, ttl: 5, data: .a(try! IPv4Address("127.100.1.2"))),
                ResourceRecord(name: name, ttl: 5, data: .aaaa(try! IPv6Address("fd00::1"))),
                ResourceRecord(name: "www.meridian.local.", ttl: 5, data: .cname(name)),
                ResourceRecord(name: zone, ttl: 60, data: .txt([Array("owner=meridian".utf8), []])),
            ],
            authority: [
                ResourceRecord(name: zone, ttl: 60, data: .ns("ns1.meridian.local.")),
                ResourceRecord(
                    name: zone, ttl: 5,
                    data: .soa(
                        SOAData(
                            primary: "ns1.meridian.local.", mailbox: "hostmaster.meridian.local.", serial: 7, refresh: 60, retry: 10,
                            expire: 3600, minimum: 5))),
            ],
            additional: [ResourceRecord(name: "ns1.meridian.local.", ttl: 60, data: .a(try! IPv4Address("127.0.0.1")))],
            edns: EDNS(udpPayloadSize: 1232, dnssecOK: true, options: [.init(code: 10, data: [1, 2, 3, 4, 5, 6, 7, 8])]))
    }

    @Test func everyRecordTypeRoundTrips() throws {
        let message = Self.sample()
        let decoded = try DNSMessage(decoding: message.encoded())
        #expect(decoded == message)
    }

    @Test func aQueryEncodesToTheBytesDigSends() throws {
        let query = DNSMessage(
            header: DNSHeader(id: 0x1234, recursionDesired: true), questions: [DNSQuestion(name: "a.example.", type: .aaaa)],
            edns: EDNS(udpPayloadSize: 1232))
        let expected: [UInt8] =
            [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1]
            + [1, 0x61, 7] + Array("example".utf8) + [0, 0, 28, 0, 1]
            + [0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0]
        #expect(query.encoded() == expected)
        #expect(try DNSMessage(decoding: expected) == query)
    }

    @Test func namesAreCompressedAgainstEarlierSuffixes() throws {
        let name: DNSName = "web.default.fed.svc.meridian.local."
        let message = DNSMessage(
            header: DNSHeader(id: 1, isResponse: true), questions: [DNSQuestion(name: name, type: .a)],
            answers: [
                ResourceRecord(name: "WEB.default.fed.svc.meridian.local.", ttl: 5, data: .a(try IPv4Address("127.0.0.2"))),
                ResourceRecord(name: "x.svc.meridian.local.", ttl: 5, data: .cname(name)),
            ])
        let bytes = message.encoded()
        // Question name at 12 (36 octets), type and class; the answer owner is a pointer to 12.
        #expect(Array(bytes[52..<54]) == [0xC0, 0x0C])
        // The CNAME owner: label "x", then a pointer to "svc.meridian.local." inside the question.
        #expect(Array(bytes[68..<72]) == [1, 0x78, 0xC0, 12 + 16])
        // Its data points at the question name.
        #expect(Array(bytes.suffix(2)) == [0xC0, 0x0C])
        let decoded = try DNSMessage(decoding: bytes)
        #expect(decoded.answers.map(\.name.description) == ["web.default.fed.svc.meridian.local.", "x.svc.meridian.local."])
        #expect(decoded == message)
    }

    @Test func theExtendedRCodeLivesInTheOPTRecord() throws {
        var message = DNSMessage(header: DNSHeader(id: 9, isResponse: true), edns: EDNS(udpPayloadSize: 1232))
        message.rcode = .badVersion
        let decoded = try DNSMessage(decoding: message.encoded())
        #expect(decoded.header.rcodeLow == 0)
        #expect(decoded.edns?.extendedRCode == 1)
        #expect(decoded.rcode == .badVersion)
    }

    @Test func aTrailingTSIGStaysLastAfterOPT() throws {
        let tsig = ResourceRecord(name: "key.", rrclass: RecordClass.any, ttl: 0, data: .raw(type: .tsig, [1, 2, 3]))
        let message = DNSMessage(header: DNSHeader(id: 3), additional: [tsig], edns: EDNS(udpPayloadSize: 512))
        let bytes = message.encoded()
        #expect(Array(bytes.suffix(3)) == [1, 2, 3])
        #expect(try DNSMessage(decoding: bytes) == message)
    }
}
