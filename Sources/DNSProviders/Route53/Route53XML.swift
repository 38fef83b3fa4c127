import DNSWire
import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Route 53's XML (API version 2013-04-01): the change batch written, the record-set
/// listing and its pagination read.
enum Route53XML {
    static let namespace = "https://route53.amazonaws.com/doc/2013-04-01/"

    /// One page of ListResourceRecordSets.
    struct Page: Sendable {
        var sets: [RecordSet] = []
        var next: (name: String, type: String)?
    }

    static func changeBatch(_ changes: [RecordSetChange]) -> [UInt8] {
        var xml =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ChangeResourceRecordSetsRequest xmlns=\"\(namespace)\"><ChangeBatch><Changes>"
        for change in changes {
            let action: String
            switch change {
            case .create: action = "CREATE"
            case .update: action = "UPSERT"
            case .delete: action = "DELETE"
            }
            let set = change.set
            xml += "<Change><Action>\(action)</Action><ResourceRecordSet><Name>\(escape(set.name.description))</Name>"
            xml += "<Type>\(set.type)</Type><TTL>\(set.ttl)</TTL><ResourceRecords>"
            for data in set.data { xml += "<ResourceRecord><Value>\(escape(data.description))</Value></ResourceRecord>" }
            xml += "</ResourceRecords></ResourceRecordSet></Change>"
        }
        xml += "</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"
        return Array(xml.utf8)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Reads a ListResourceRecordSetsResponse; sets of other types and alias sets are skipped.
    static func page(_ body: [UInt8]) throws(DNSProviderError) -> Page {
        let delegate = ListDelegate()
        let parser = XMLParser(data: Data(body))
        parser.delegate = delegate
        guard parser.parse() else {
            throw .badResponse("ListResourceRecordSets: \(parser.parserError.map { "\($0)" } ?? "unreadable XML")")
        }
        var page = Page()
        for raw in delegate.sets {
            guard let type = ManagedTypes.byName[raw.type], !raw.values.isEmpty else { continue }
            do {
                let name = try DNSName(unescapeName(raw.name))
                let data = try raw.values.map { value throws(DNSProviderError) in try rdata(type, value) }
                page.sets.append(RecordSet(name: name, type: type, ttl: raw.ttl, data: data))
            } catch {
                throw .badResponse("record set \(raw.name) \(raw.type): \(error)")
            }
        }
        if delegate.truncated, let name = delegate.nextName, let type = delegate.nextType { page.next = (name, type) }
        return page
    }

    /// Route 53 writes characters outside letters, digits, `-` and `_` as `\NNN` (octal).
    static func unescapeName(_ name: String) -> String {
        var out = ""
        var chars = name[...]
        while let c = chars.popFirst() {
            if c == "\\", chars.count >= 3, let code = UInt8(String(chars.prefix(3)), radix: 8) {
                out += code == UInt8(ascii: ".") ? "\\." : String(UnicodeScalar(code))
                chars = chars.dropFirst(3)
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// Record data from its presentation form (TXT: quoted strings).
    static func rdata(_ type: RecordType, _ value: String) throws(DNSProviderError) -> RData {
        do {
            switch type {
            case .a: return .a(try IPv4Address(value))
            case .aaaa: return .aaaa(try IPv6Address(value))
            case .cname: return .cname(try DNSName(value))
            default: return .txt(TXTText.strings(value))
            }
        } catch {
            throw .badResponse("\(type) value \(value): \(error)")
        }
    }
}

/// TXT data in presentation form: `"a" "b"` → two strings; unquoted text is one string.
enum TXTText {
    static func strings(_ text: String) -> [[UInt8]] {
        var strings: [[UInt8]] = []
        var current: [UInt8] = []
        var quoted = false
        var escaped = false
        for byte in text.utf8 {
            if escaped {
                current.append(byte)
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                if quoted { strings.append(current) }
                current = []
                quoted.toggle()
            } else if quoted {
                current.append(byte)
            } else if byte != UInt8(ascii: " ") {
                current.append(byte)
            }
        }
        if !current.isEmpty { strings.append(current) }
        return strings
    }
}

/// SAX reading of ListResourceRecordSetsResponse.
private final class ListDelegate: NSObject, XMLParserDelegate {
    struct RawSet {
        var name = ""
        var type = ""
        var ttl: UInt32 = 300
        var values: [String] = []
    }

    var sets: [RawSet] = []
    var truncated = false
    var nextName: String?
    var nextType: String?
    private var current: RawSet?
    private var text = ""

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if elementName == "ResourceRecordSet" { current = RawSet() }
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        switch elementName {
        case "Name": current?.name = text
        case "Type": current?.type = text
        case "TTL": current?.ttl = UInt32(text) ?? 300
        case "Value": current?.values.append(text)
        case "ResourceRecordSet":
            if let current { sets.append(current) }
            current = nil
        case "IsTruncated": truncated = text == "true"
        case "NextRecordName": nextName = text
        case "NextRecordType": nextType = text
        default: break
        }
        text = ""
    }
}
