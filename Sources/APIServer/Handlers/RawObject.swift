import KubeAPI
import Store

/// Serving stored bytes without decoding them: the stored JSON gets its
/// `resourceVersion` spliced into the top-level `metadata` object. This is the hot path
/// for GET, LIST and watch fan-out, where decoding and re-encoding every object would
/// dominate the cost.
enum RawObject {
    /// Whether stored objects of a resource can be served as stored.
    static func servable(_ def: ResourceDefinition) -> Bool {
        def.conversion == nil && !def.isCustom && def.storageVersion == def.version
    }

    /// The stored bytes with `"resourceVersion":"N"` added to the top-level metadata, or
    /// nil when the layout is not the expected one (callers then decode normally).
    static func withResourceVersion(_ kv: KeyValue) -> [UInt8]? {
        let b = kv.value
        guard let start = metadataObjectStart(b) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(b.count + 32)
        out.append(contentsOf: b[0...start])
        out.append(contentsOf: #""resourceVersion":""#.utf8)
        out.append(contentsOf: String(kv.modRevision).utf8)
        out.append(UInt8(ascii: "\""))
        // An empty metadata object needs no separating comma.
        if start + 1 < b.count && b[start + 1] != UInt8(ascii: "}") { out.append(UInt8(ascii: ",")) }
        out.append(contentsOf: b[(start + 1)...])
        return out
    }

    /// Index of the `{` opening the value of the top-level key "metadata".
    static func metadataObjectStart(_ b: [UInt8]) -> Int? {
        let key = Array(#""metadata""#.utf8)
        var depth = 0
        var i = 0
        var inString = false
        while i < b.count {
            let c = b[i]
            if inString {
                if c == UInt8(ascii: "\\") {
                    i += 2
                    continue
                }
                if c == UInt8(ascii: "\"") { inString = false }
                i += 1
                continue
            }
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: "\""):
                if depth == 1 && i + key.count + 1 < b.count && b[i..<(i + key.count)].elementsEqual(key)
                    && b[i + key.count] == UInt8(ascii: ":")
                {
                    let open = i + key.count + 1
                    return b[open] == UInt8(ascii: "{") ? open : nil
                }
                inString = true
            default: break
            }
            i += 1
        }
        return nil
    }
}
