import DNSServer
import DNSWire
import Testing

/// The authoritative server as the real `dig` sees it. Serialized: every test runs dig
/// processes, and the machine is shared.
@Suite(.serialized) struct DigTests {
    static func a(_ name: DNSName, _ ip: String, ttl: UInt32 = 5) -> ResourceRecord {
        ResourceRecord(name: name, ttl: ttl, data: .a(try! IPv4Address(ip)))
    }

    static let records: [ResourceRecord] = [
        a("www.meridian.local.", "127.0.0.11"), a("www.meridian.local.", "127.0.0.10"),
        ResourceRecord(name: "www.meridian.local.", ttl: 5, data: .aaaa(try! IPv6Address("fd00::10"))),
        ResourceRecord(name: "alias.meridian.local.", ttl: 5, data: .cname("www.meridian.local.")),
        ResourceRecord(name: "chain.meridian.local.", ttl: 5, data: .cname("alias.meridian.local.")),
        ResourceRecord(name: "loop1.meridian.local.", ttl: 5, data: .cname("loop2.meridian.local.")),
        ResourceRecord(name: "loop2.meridian.local.", ttl: 5, data: .cname("loop1.meridian.local.")),
        ResourceRecord(name: "away.meridian.local.", ttl: 5, data: .cname("example.com.")),
        ResourceRecord(name: "dangling.meridian.local.", ttl: 5, data: .cname("missing.meridian.local.")),
        a("a.b.c.meridian.local.", "127.0.0.20"),
        ResourceRecord(name: "owner.meridian.local.", ttl: 5, data: .txt([Array("heritage=meridian".utf8)])),
    ]

    static let soa = "meridian.local. 5 IN SOA ns1.meridian.local. hostmaster.meridian.local. 1001 60 10 3600 5"

    @Test func addressesAndTheirFlags() async throws {
        try await DNSTestServer.with(records: Self.records) { port, _ in
            let a = try await Dig.query(port: port, ["www.meridian.local", "A"])
            #expect(a.status == "NOERROR")
            #expect(a.flags == ["qr", "aa"])
            #expect(a.answer == ["www.meridian.local. 5 IN A 127.0.0.10", "www.meridian.local. 5 IN A 127.0.0.11"])
            #expect(a.authority == [])
            let aaaa = try await Dig.query(port: port, ["WWW.Meridian.Local", "AAAA"])
            #expect(aaaa.answer == ["WWW.Meridian.Local. 5 IN AAAA fd00::10"])
            let txt = try await Dig.query(port: port, ["owner.meridian.local", "TXT"])
            #expect(txt.answer == [#"owner.meridian.local. 5 IN TXT "heritage=meridian""#])
        }
    }

    @Test func cnameChainsInsideTheZoneAreFollowedInOneAnswer() async throws {
        try await DNSTestServer.with(records: Self.records) { port, _ in
            let chain = try await Dig.query(port: port, ["chain.meridian.local", "A"])
            #expect(chain.status == "NOERROR")
            #expect(
                chain.answer == [
                    "chain.meridian.local. 5 IN CNAME alias.meridian.local.", "alias.meridian.local. 5 IN CNAME www.meridian.local.",
                    "www.meridian.local. 5 IN A 127.0.0.10", "www.meridian.local. 5 IN A 127.0.0.11",
                ])
            // Asking for the CNAME itself does not follow it.
            let cname = try await Dig.query(port: port, ["chain.meridian.local", "CNAME"])
            #expect(cname.answer == ["chain.meridian.local. 5 IN CNAME alias.meridian.local."])
            // Leaving the zone: the CNAME alone, NOERROR (the resolver goes on).
            let away = try await Dig.query(port: port, ["away.meridian.local", "A"])
            #expect(away.status == "NOERROR")
            #expect(away.answer == ["away.meridian.local. 5 IN CNAME example.com."])
            // A chain to a missing name ends in NXDOMAIN with the CNAME (RFC 6604).
            let dangling = try await Dig.query(port: port, ["dangling.meridian.local", "A"])
            #expect(dangling.status == "NXDOMAIN")
            #expect(dangling.answer == ["dangling.meridian.local. 5 IN CNAME missing.meridian.local."])
            #expect(dangling.authority == [Self.soa])
            // A loop ends.
            let loop = try await Dig.query(port: port, ["loop1.meridian.local", "A"])
            #expect(loop.status == "NOERROR")
            #expect(
                loop.answer == [
                    "loop1.meridian.local. 5 IN CNAME loop2.meridian.local.", "loop2.meridian.local. 5 IN CNAME loop1.meridian.local.",
                ])
        }
    }

    @Test func nxdomainAndNodataCarryTheSOA() async throws {
        try await DNSTestServer.with(records: Self.records) { port, _ in
            let missing = try await Dig.query(port: port, ["nope.meridian.local", "A"])
            #expect(missing.status == "NXDOMAIN")
            #expect(missing.flags == ["qr", "aa"])
            #expect(missing.answer == [])
            #expect(missing.authority == [Self.soa])
            let nodata = try await Dig.query(port: port, ["www.meridian.local", "TXT"])
            #expect(nodata.status == "NOERROR")
            #expect(nodata.answer == [])
            #expect(nodata.authority == [Self.soa])
            // An empty non-terminal exists: NODATA, not NXDOMAIN.
            let between = try await Dig.query(port: port, ["b.c.meridian.local", "A"])
            #expect(between.status == "NOERROR")
            #expect(between.authority == [Self.soa])
        }
    }

    @Test func theApexHasSOAAndNS() async throws {
        try await DNSTestServer.with(records: Self.records) { port, _ in
            let soa = try await Dig.query(port: port, ["meridian.local", "SOA"])
            #expect(soa.answer == ["meridian.local. 60 IN SOA ns1.meridian.local. hostmaster.meridian.local. 1001 60 10 3600 5"])
            let ns = try await Dig.query(port: port, ["meridian.local", "NS"])
            #expect(ns.flags == ["qr", "aa"])
            #expect(ns.answer == ["meridian.local. 60 IN NS ns1.meridian.local."])
            #expect(ns.additional == ["ns1.meridian.local. 60 IN A 127.0.0.1"])
        }
    }

    @Test func outsideTheZoneIsRefusedAndOtherOpcodesAreNotImplemented() async throws {
        try await DNSTestServer.with(records: Self.records) { port, _ in
            let outside = try await Dig.query(port: port, ["example.com", "A"])
            #expect(outside.status == "REFUSED")
            #expect(outside.flags == ["qr"])
            let notify = try await Dig.query(port: port, ["+opcode=notify", "meridian.local", "SOA"])
            #expect(notify.status == "NOTIMP")
            let ixfr = try await Dig.query(port: port, ["meridian.local", "IXFR=1"])
            #expect(ixfr.raw.contains("NOTIMP") || ixfr.raw.contains("Transfer failed"))
        }
    }

    @Test func theSerialMovesOnWithEveryChange() async throws {
        try await DNSTestServer.with(records: Self.records) { port, publisher in
            let before = try await Dig.query(port: port, ["meridian.local", "SOA", "+short"])
            #expect(before.answer == ["ns1.meridian.local. hostmaster.meridian.local. 1001 60 10 3600 5"])
            let unchanged = await publisher.publish(Self.records)
            #expect(unchanged == false)
            let changed = await publisher.publish(Self.records + [Self.a("new.meridian.local.", "127.0.0.30")])
            #expect(changed == true)
            let after = try await Dig.query(port: port, ["meridian.local", "SOA", "+short"])
            #expect(after.answer == ["ns1.meridian.local. hostmaster.meridian.local. 1002 60 10 3600 5"])
            let added = try await Dig.query(port: port, ["new.meridian.local", "A", "+short"])
            #expect(added.answer == ["127.0.0.30"])
        }
    }

    @Test func tcpCarriesSeveralQueriesPerConnection() async throws {
        try await DNSTestServer.with(records: Self.records) { port, _ in
            // +keepopen sends every query of the command line over one connection.
            let both = try await Dig.query(port: port, ["+tcp", "+keepopen", "www.meridian.local", "A", "alias.meridian.local", "AAAA"])
            #expect(
                both.answer == [
                    "www.meridian.local. 5 IN A 127.0.0.10", "www.meridian.local. 5 IN A 127.0.0.11",
                    "alias.meridian.local. 5 IN CNAME www.meridian.local.", "www.meridian.local. 5 IN AAAA fd00::10",
                ])
            #expect(both.status == "NOERROR")
        }
    }

    @Test func ednsIsEchoedAndUDPAnswersAreTruncatedToTheClientsSize() async throws {
        let many = (1...60).map { Self.a("big.meridian.local.", "127.0.1.\($0)") }
        try await DNSTestServer.with(records: Self.records + many) { port, _ in
            let edns = try await Dig.query(port: port, ["+bufsize=1232", "big.meridian.local", "A"])
            #expect(edns.raw.contains("; EDNS: version: 0, flags:; udp: 1232"))
            #expect(edns.answer.count == 60)
            #expect(!edns.flags.contains("tc"))
            // Without EDNS the limit is 512 octets: TC, no records.
            let plain = try await Dig.query(port: port, ["+noedns", "+ignore", "big.meridian.local", "A"])
            #expect(plain.flags == ["qr", "aa", "tc"])
            #expect(plain.answer == [])
            // dig retries a truncated answer over TCP by itself.
            let retried = try await Dig.query(port: port, ["+noedns", "big.meridian.local", "A"])
            #expect(retried.answer.count == 60)
            #expect(retried.raw.contains("Truncated, retrying in TCP mode"))
            // An EDNS version we do not speak: BADVERS.
            let badvers = try await Dig.query(port: port, ["+edns=1", "+noednsneg", "www.meridian.local", "A"])
            #expect(badvers.status == "BADVERS")
        }
    }

    @Test func axfrSendsTheWholeZoneBetweenTwoSOAs() async throws {
        try await DNSTestServer.with(records: Self.records) { port, _ in
            let transfer = try await Dig.query(port: port, ["meridian.local", "AXFR"])
            let soa = "meridian.local. 60 IN SOA ns1.meridian.local. hostmaster.meridian.local. 1001 60 10 3600 5"
            #expect(
                transfer.answer == [
                    soa,
                    "meridian.local. 60 IN NS ns1.meridian.local.",
                    "alias.meridian.local. 5 IN CNAME www.meridian.local.",
                    "away.meridian.local. 5 IN CNAME example.com.",
                    "a.b.c.meridian.local. 5 IN A 127.0.0.20",
                    "chain.meridian.local. 5 IN CNAME alias.meridian.local.",
                    "dangling.meridian.local. 5 IN CNAME missing.meridian.local.",
                    "loop1.meridian.local. 5 IN CNAME loop2.meridian.local.",
                    "loop2.meridian.local. 5 IN CNAME loop1.meridian.local.",
                    "ns1.meridian.local. 60 IN A 127.0.0.1",
                    #"owner.meridian.local. 5 IN TXT "heritage=meridian""#,
                    "www.meridian.local. 5 IN A 127.0.0.10",
                    "www.meridian.local. 5 IN A 127.0.0.11",
                    "www.meridian.local. 5 IN AAAA fd00::10",
                    soa,
                ])
            // Only at the apex, only over TCP.
            let below = try await Dig.query(port: port, ["www.meridian.local", "AXFR"])
            #expect(below.raw.contains("NOTAUTH") || below.raw.contains("Transfer failed"))
        }
    }
}
