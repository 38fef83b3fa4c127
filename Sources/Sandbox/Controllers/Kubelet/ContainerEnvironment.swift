import Foundation
import KubeAPI
import KubeClient

/// A container's environment as the kubelet builds it: `value` (with `$(VAR)` references
/// to earlier variables), `valueFrom` field references, Secret and ConfigMap keys, and
/// `envFrom`; then `$(VAR)` expansion of command and args.
struct ContainerEnvironment {
    let pod: JSONValue
    let podIP: String
    let hostIP: String

    enum EnvironmentError: Error, CustomStringConvertible {
        case missing(variable: String, what: String)
        var description: String {
            switch self {
            case .missing(let variable, let what): return "couldn't find key for \(variable): \(what)"
            }
        }
    }

    func resolve(_ container: JSONValue, client: KubeClient) async throws -> [(String, String)] {
        var env: [(String, String)] = []
        func lookup(_ name: String) -> String? { env.last { $0.0 == name }?.1 }
        for source in container["envFrom"].arrayValue ?? [] {
            let prefix = source["prefix"].stringValue ?? ""
            if let name = source["configMapRef"]["name"].stringValue,
                let map = try await client.getIfExists(.configMaps, namespace: pod.namespace, name: name)
            {
                for (k, v) in (map["data"].objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                    env.append((prefix + k, v.stringValue ?? ""))
                }
            }
            if let name = source["secretRef"]["name"].stringValue,
                let secret = try await client.getIfExists(.secrets, namespace: pod.namespace, name: name)
            {
                for (k, v) in (secret["data"].objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                    env.append((prefix + k, Self.decode(v)))
                }
            }
        }
        for variable in container["env"].arrayValue ?? [] {
            guard let name = variable["name"].stringValue else { continue }
            if let value = variable["value"].stringValue {
                env.append((name, Self.expand(value, lookup)))
                continue
            }
            let from = variable["valueFrom"]
            if let path = from["fieldRef"]["fieldPath"].stringValue {
                env.append((name, field(path)))
            } else if let ref = from["secretKeyRef"].objectValue, let secretName = ref["name"]?.stringValue,
                let key = ref["key"]?.stringValue
            {
                let secret = try await client.getIfExists(.secrets, namespace: pod.namespace, name: secretName)
                guard let value = secret?["data"][key], !value.isNull else {
                    if ref["optional"]?.boolValue == true { continue }
                    throw EnvironmentError.missing(variable: name, what: "secret \(pod.namespace)/\(secretName) key \(key)")
                }
                env.append((name, Self.decode(value)))
            } else if let ref = from["configMapKeyRef"].objectValue, let mapName = ref["name"]?.stringValue,
                let key = ref["key"]?.stringValue
            {
                let map = try await client.getIfExists(.configMaps, namespace: pod.namespace, name: mapName)
                guard let value = map?["data"][key].stringValue else {
                    if ref["optional"]?.boolValue == true { continue }
                    throw EnvironmentError.missing(variable: name, what: "configmap \(pod.namespace)/\(mapName) key \(key)")
                }
                env.append((name, value))
            }
        }
        return env
    }

    func field(_ path: String) -> String {
        switch path {
        case "metadata.name": return pod.name
        case "metadata.namespace": return pod.namespace
        case "metadata.uid": return pod.uid
        case "spec.nodeName": return pod["spec"]["nodeName"].stringValue ?? ""
        case "spec.serviceAccountName": return pod["spec"]["serviceAccountName"].stringValue ?? ""
        case "status.podIP": return podIP
        case "status.hostIP": return hostIP
        default:
            if path.hasPrefix("metadata.labels['"), path.hasSuffix("']") {
                return pod.labels[String(path.dropFirst(17).dropLast(2))] ?? ""
            }
            if path.hasPrefix("metadata.annotations['"), path.hasSuffix("']") {
                return pod.annotations[String(path.dropFirst(22).dropLast(2))] ?? ""
            }
            return ""
        }
    }

    static func decode(_ value: JSONValue) -> String {
        value.stringValue.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// Kubernetes' `$(VAR)` expansion: known variables are replaced, `$$` escapes, unknown
    /// references stay as written.
    static func expand(_ text: String, _ lookup: (String) -> String?) -> String {
        var out = ""
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            let next = text.index(after: i)
            if c == "$", next < text.endIndex {
                if text[next] == "$" {
                    out.append("$")
                    i = text.index(after: next)
                    continue
                }
                if text[next] == "(", let close = text[next...].firstIndex(of: ")") {
                    let name = String(text[text.index(after: next)..<close])
                    if let value = lookup(name) {
                        out += value
                    } else {
                        out += text[i...close]
                    }
                    i = text.index(after: close)
                    continue
                }
            }
            out.append(c)
            i = next
        }
        return out
    }
}
