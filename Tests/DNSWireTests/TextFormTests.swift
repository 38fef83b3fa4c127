import DNSWire
import Testing

@Suite struct TextFormTests {
    @Test func namesParsePrintAndCompareWithoutCase() throws {
        let name = try DNSName("Web.Default.svc.meridian.local")
        #expect(name.description == "Web.Default.svc.meridian.local.")
        #expect(name == "web.default.svc.MERIDIAN.local.")
        #expect(name.isSubdomain(of: "meridian.local."))
        let zone: DNSName = "meridian.local."
        #expect(!zone.isSubdomain(of: name))
        #expect(try DNSName(".") == .root)
        #expect(try DNSName(#"a\.b.c"#).labels.count == 2)
        #expect(try DNSName(#"a\.b.c"#).description == #"a\.b.c."#)
        let empty = "a..b"
        #expect(throws: DNSTextError.emptyLabel(empty)) { try DNSName(empty) }
        let wide = String(repeating: "x", count: 64)
        #expect(throws: DNSTextError.labelTooLong(wide)) { try DNSName(wide) }
        let long = Array(repeating: String(repeating: "x", count: 60), count: 5).joined(separator: ".")
        #expect(throws: DNSTextError.nameTooLong(long)) { try DNSName(long) }
    }

    @Test func addressesParseAndPrint() throws {
        #expect(try IPv4Address("127.100.3.2").octets == [127, 100, 3, 2])
        #expect(throws: DNSTextError.badAddress("127.0.0")) { try IPv4Address("127.0.0") }
        #expect(throws: DNSTextError.badAddress("256.0.0.1")) { try IPv4Address("256.0.0.1") }
        #expect(try IPv6Address("::1").description == "::1")
        #expect(try IPv6Address("::").description == "::")
        #expect(try IPv6Address("FD00:0:0:0:0:0:0:12").description == "fd00::12")
        #expect(try IPv6Address("2001:db8:0:0:1:0:0:1").description == "2001:db8::1:0:0:1")
        #expect(try IPv6Address("::ffff:127.0.0.1").description == "::ffff:7f00:1")
        #expect(throws: DNSTextError.badAddress("1::2::3")) { try IPv6Address("1::2::3") }
        #expect(throws: DNSTextError.badAddress("1:2:3")) { try IPv6Address("1:2:3") }
    }
}
