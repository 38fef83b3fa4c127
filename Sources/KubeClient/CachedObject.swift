import KubeAPI

/// One object in an informer's cache: as parsed, or as compact JSON parsed again on each
/// read. A parsed object is a tree of small dictionaries (several KiB for a ConfigMap with
/// its managedFields) where its JSON is a few hundred bytes, so caches of very many
/// objects that are read rarely (the federation's watches of every member's copies) keep
/// the bytes.
enum CachedObject: Sendable {
    case parsed(JSONValue)
    case compact([UInt8])

    init(_ object: JSONValue, compact: Bool) {
        guard compact else {
            self = .parsed(object)
            return
        }
        let bytes = object.serialized()
        // Exactly as large as the JSON: a grown buffer can carry twice its length.
        self = .compact(
            [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, count in
                count = buffer.initialize(fromContentsOf: bytes)
            })
    }

    var object: JSONValue {
        switch self {
        case .parsed(let object): return object
        case .compact(let bytes): return (try? JSONParser.parse(bytes)) ?? .null
        }
    }
}
