import DNSWire
import Testing

/// Malformed and truncated input is a typed error, never a crash or a hang.
@Suite struct MalformedMessageTests {
    static let header: [UInt8] = [0, 1, 0, 0]

    static func counts(qd: UInt8 = 0, an: UInt8 = 0, ns: UInt8 = 0, ar: UInt8 = 0) -> [UInt8] {
        header + [0, qd, 0, an, 0, ns, 0, ar]
    }

    @Test func everyPrefixOfAValidMessageIsTruncated() throws {
        let bytes = DNSMessageTests.sample().encoded()
        for length in 0..<bytes.count {
            #expect(throws: DNSWireError.self) { try DNSMessage(decoding: Array(bytes.prefix(length))) }
        }
        #expect(throws: DNSWireError.truncated(offset: 0)) { try DNSMessage(decoding: []) }
        #expect(throws: DNSWireError.truncated(offset: 12)) { try DNSMessage(decoding: Self.counts(qd: 1)) }
    }

    @Test func aPointerToItselfIsALoop() {
        let bytes = Self.counts(qd: 1) + [0xC0, 12, 0, 1, 0, 1]
        #expect(throws: DNSWireError.badPointer(offset: 12)) { try DNSMessage(decoding: bytes) }
    }

    @Test func pointersThatBounceAreRejected() {
        // Question 1 "a" at 12; question 2 is "b" then a pointer to 17 (its own label): a loop.
        let bytes = Self.counts(qd: 2) + [1, 0x61, 0, 0, 1, 0, 1] + [1, 0x62, 0xC0, 19, 0, 1, 0, 1]
        #expect(throws: DNSWireError.badPointer(offset: 21)) { try DNSMessage(decoding: bytes) }
        // A forward pointer.
        let forward = Self.counts(qd: 1) + [0xC0, 14, 1, 0x61, 0, 0, 1, 0, 1]
        #expect(throws: DNSWireError.badPointer(offset: 12)) { try DNSMessage(decoding: forward) }
    }

    @Test func aChainOfBackwardPointersEnds() throws {
        // "a" at 12, then names that each point one name back: valid, and decoded.
        var bytes = Self.counts(qd: 3) + [1, 0x61, 0, 0, 1, 0, 1]
        bytes += [1, 0x62, 0xC0, 12, 0, 1, 0, 1]
        bytes += [1, 0x63, 0xC0, 19, 0, 1, 0, 1]
        let message = try DNSMessage(decoding: bytes)
        #expect(message.questions.map(\.name.description) == ["a.", "b.a.", "c.b.a."])
    }

    @Test func reservedLabelTypesAreRejected() {
        let bytes = Self.counts(qd: 1) + [0x40, 0, 0, 1, 0, 1]
        #expect(throws: DNSWireError.badLabelType(offset: 12)) { try DNSMessage(decoding: bytes) }
    }

    @Test func namesLongerThan255OctetsAreRejected() {
        let label: [UInt8] = [63] + Array(repeating: 0x61, count: 63)
        let bytes = Self.counts(qd: 1) + label + label + label + label + [0, 0, 1, 0, 1]
        #expect(throws: DNSWireError.nameTooLong(offset: 12)) { try DNSMessage(decoding: bytes) }
    }

    @Test func recordDataMustMatchItsLength() {
        let a = Self.counts(an: 1) + [0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 5, 1, 2, 3, 4, 5]
        #expect(throws: DNSWireError.badRDataLength(offset: 23, type: .a)) { try DNSMessage(decoding: a) }
        // A CNAME whose name runs past its RDLENGTH.
        let cname = Self.counts(an: 1) + [0, 0, 5, 0, 1, 0, 0, 0, 5, 0, 2, 1, 0x61, 0]
        #expect(throws: DNSWireError.badRDataLength(offset: 23, type: .cname)) { try DNSMessage(decoding: cname) }
        // A TXT string longer than the data.
        let txt = Self.counts(an: 1) + [0, 0, 16, 0, 1, 0, 0, 0, 5, 0, 2, 5, 0x61]
        #expect(throws: DNSWireError.badRDataLength(offset: 23, type: .txt)) { try DNSMessage(decoding: txt) }
        // RDLENGTH past the end of the message.
        let long = Self.counts(an: 1) + [0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 9, 1, 2, 3, 4]
        #expect(throws: DNSWireError.truncated(offset: 23)) { try DNSMessage(decoding: long) }
    }

    @Test func optMustBeAtTheRootOnceInTheAdditionalSection() {
        let opt: [UInt8] = [0, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 0]
        #expect(throws: DNSWireError.badOPT(offset: 12)) { try DNSMessage(decoding: Self.counts(an: 1) + opt) }
        #expect(throws: DNSWireError.badOPT(offset: 23)) { try DNSMessage(decoding: Self.counts(ar: 2) + opt + opt) }
        let notRoot: [UInt8] = [1, 0x61, 0, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 0]
        #expect(throws: DNSWireError.badOPT(offset: 12)) { try DNSMessage(decoding: Self.counts(ar: 1) + notRoot) }
    }

    @Test func bytesAfterTheLastRecordAreRejected() {
        #expect(throws: DNSWireError.trailingBytes(offset: 12)) { try DNSMessage(decoding: Self.counts() + [0]) }
    }

    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        let valid = DNSMessageTests.sample().encoded()
        for _ in 0..<20_000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = try? DNSMessage(decoding: bytes)
        }
    }
}
