import KubeAPI
import Store

/// Turns stored bytes into API objects and back. The store never holds
/// `resourceVersion`: it is the key's modification revision, filled in on the way out.
enum ObjectCodec {
    static func decode(_ kv: KeyValue, _ def: ResourceDefinition) throws(StatusError) -> JSONValue {
        var object: JSONValue
        do {
            object = try JSONParser.parse(kv.value)
        } catch {
            throw StatusError.internalError("stored object \(kv.key) is corrupt: \(error)")
        }
        object["metadata"]["resourceVersion"] = .string(String(kv.modRevision))
        if let conversion = def.conversion { object = conversion.fromStorage(object) }
        if def.isCustom || def.storageVersion != def.version || object["apiVersion"].stringValue != def.groupVersion {
            object["apiVersion"] = .string(def.groupVersion)
        }
        return object
    }

    static func encode(_ object: JSONValue, _ def: ResourceDefinition) -> [UInt8] {
        var stored = def.conversion.map { $0.toStorage(object) } ?? object
        stored["metadata"]["resourceVersion"] = .null
        return stored.serialized(firstKey: "metadata")
    }

    static func resourceVersion(_ object: JSONValue) -> Revision? {
        object["metadata"]["resourceVersion"].stringValue.flatMap { Revision($0) }
    }
}
