import Crypto
import DNSWire
import Foundation

/// A TSIG key (RFC 8945): signs requests and checks the signatures of responses.
public struct TSIGKey: Sendable {
    public enum Algorithm: String, Sendable, CaseIterable {
        case hmacSHA256 = "hmac-sha256"
        case hmacSHA512 = "hmac-sha512"

        var name: DNSName { self == .hmacSHA256 ? "hmac-sha256." : "hmac-sha512." }
    }

    public let name: DNSName
    public let algorithm: Algorithm
    let secret: SymmetricKey
    /// Seconds of clock skew allowed either way (RFC 8945 recommends 300).
    public var fudge: UInt16 = 300

    public init(name: DNSName, secret: [UInt8], algorithm: Algorithm) {
        self.name = name
        self.algorithm = algorithm
        self.secret = SymmetricKey(data: secret)
    }

    func mac(_ data: [UInt8]) -> [UInt8] {
        switch algorithm {
        case .hmacSHA256: return Array(HMAC<SHA256>.authenticationCode(for: data, using: secret))
        case .hmacSHA512: return Array(HMAC<SHA512>.authenticationCode(for: data, using: secret))
        }
    }

    /// The wire form of `message` with a TSIG record appended, and the request MAC the
    /// response's MAC will cover.
    public func sign(_ message: DNSMessage, now: Date = Date()) -> (bytes: [UInt8], mac: [UInt8]) {
        let unsigned = message.encoded()
        var tsig = TSIGData(
            algorithm: algorithm.name, timeSigned: UInt64(max(0, now.timeIntervalSince1970)), fudge: fudge, mac: [],
            originalID: message.header.id)
        tsig.mac = mac(unsigned + tsig.variables(keyName: name))
        var signed = message
        signed.additional.append(tsig.record(keyName: name))
        return (signed.encoded(), tsig.mac)
    }
}

/// Checks the TSIG records of the responses to one signed request: a single answer or
/// the messages of a zone transfer, where a message may go unsigned as long as a later
/// one signs it (RFC 8945 §5.3.1) and the last one is signed.
public struct TSIGVerifier: Sendable {
    let key: TSIGKey
    private var previousMAC: [UInt8]
    private var unsignedSince: [UInt8] = []
    private var first = true
    let now: @Sendable () -> Date

    public init(key: TSIGKey, requestMAC: [UInt8], now: @escaping @Sendable () -> Date = { Date() }) {
        self.key = key
        self.previousMAC = requestMAC
        self.now = now
    }

    /// Whether the messages so far end with a signed one.
    public var endsSigned: Bool { !first && unsignedSince.isEmpty }

    /// Checks one response message, in order.
    public mutating func verify(_ bytes: [UInt8]) throws(DNSProviderError) {
        let message: DNSMessage
        do { message = try DNSMessage(decoding: bytes) } catch { throw .badResponse("\(error)") }
        guard let record = message.additional.last, record.type == .tsig, case .raw(_, let rdata) = record.data else {
            guard !first else { throw .unauthorized("the response is not signed") }
            unsignedSince += bytes
            return
        }
        let tsig: TSIGData
        let offset: Int
        do {
            tsig = try TSIGData(rdata: rdata)
            offset = try DNSMessage.lastRecordOffset(bytes)
        } catch { throw .badResponse("TSIG record: \(error)") }
        guard tsig.error == 0 else { throw .unauthorized("the server answered TSIG error \(Self.errorName(tsig.error))") }
        guard record.name == key.name, tsig.algorithm == key.algorithm.name else {
            throw .unauthorized("the response is signed with another key (\(record.name) \(tsig.algorithm))")
        }
        let prefix = DNSMessage.unsignedPrefix(bytes, tsigOffset: offset, originalID: tsig.originalID)
        let macLength = [UInt8(previousMAC.count >> 8), UInt8(previousMAC.count & 0xff)]
        let digest =
            first
            ? macLength + previousMAC + prefix + tsig.variables(keyName: key.name)
            : macLength + previousMAC + unsignedSince + prefix + tsig.timers
        guard key.mac(digest) == tsig.mac else { throw .unauthorized("the response's TSIG MAC does not verify") }
        let skew = abs(now().timeIntervalSince1970 - Double(tsig.timeSigned))
        guard skew <= Double(tsig.fudge) else { throw .unauthorized("the response was signed \(Int(skew)) s away from our clock") }
        previousMAC = tsig.mac
        unsignedSince = []
        first = false
    }

    static func errorName(_ code: UInt16) -> String {
        switch code {
        case 16: return "BADSIG"
        case 17: return "BADKEY"
        case 18: return "BADTIME"
        case 22: return "BADTRUNC"
        default: return "\(code)"
        }
    }
}
