import Foundation
import KubeAPI
import KubeClient

/// A process pod's files on the host: `<data>/pods/<namespace>_<name>_<uid>/` with its
/// container logs and volumes; claims live in `<data>/volumes/<namespace>/<claim>/` so they
/// outlive pods. A process cannot see mounts at absolute paths without privileges, so
/// arguments, environment values and the working directory that start with a mount path
/// are rewritten to the host directory behind it.
struct PodFilesystem: Sendable {
    let dataDirectory: String
    let pod: JSONValue

    var podDirectory: String {
        (dataDirectory as NSString).appendingPathComponent("pods/\(pod.namespace)_\(pod.name)_\(pod.uid)")
    }

    static func logPath(dataDirectory: String, namespace: String, pod: String, uid: String, container: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("pods/\(namespace)_\(pod)_\(uid)/logs/\(container).log")
    }

    func logPath(_ container: String) -> String {
        Self.logPath(dataDirectory: dataDirectory, namespace: pod.namespace, pod: pod.name, uid: pod.uid, container: container)
    }

    enum VolumeError: Error, CustomStringConvertible {
        case missingSource(volume: String, kind: String, name: String)
        case io(String)
        var description: String {
            switch self {
            case .missingSource(let volume, let kind, let name): return "volume \(volume): \(kind) \"\(name)\" not found"
            case .io(let m): return m
            }
        }
    }

    /// Creates the pod's directories and fills its volumes; returns mount path → host path
    /// for `container`.
    func prepare(container: JSONValue, client: KubeClient) async throws -> [String: String] {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: podDirectory + "/logs", withIntermediateDirectories: true)
        } catch {
            throw VolumeError.io("cannot create \(podDirectory): \(error.localizedDescription)")
        }
        var hostPaths: [String: String] = [:]
        for volume in pod["spec"]["volumes"].arrayValue ?? [] {
            guard let name = volume["name"].stringValue else { continue }
            hostPaths[name] = try await materialize(volume, name: name, client: client)
        }
        var mounts: [String: String] = [:]
        for mount in container["volumeMounts"].arrayValue ?? [] {
            guard let name = mount["name"].stringValue, let path = mount["mountPath"].stringValue, var host = hostPaths[name] else {
                continue
            }
            if let sub = mount["subPath"].stringValue, !sub.isEmpty { host = (host as NSString).appendingPathComponent(sub) }
            mounts[path] = host
        }
        return mounts
    }

    private func materialize(_ volume: JSONValue, name: String, client: KubeClient) async throws -> String {
        let fm = FileManager.default
        var directory = (podDirectory as NSString).appendingPathComponent("volumes/\(name)")
        var files: [String: Data] = [:]
        if let claim = volume["persistentVolumeClaim"]["claimName"].stringValue {
            directory = (dataDirectory as NSString).appendingPathComponent("volumes/\(pod.namespace)/\(claim)")
        } else if let secretName = volume["secret"]["secretName"].stringValue {
            guard let secret = try await client.getIfExists(.secrets, namespace: pod.namespace, name: secretName) else {
                if volume["secret"]["optional"].boolValue == true { return directory }
                throw VolumeError.missingSource(volume: name, kind: "secret", name: secretName)
            }
            for (key, value) in secret["data"].objectValue ?? [:] {
                files[key] = value.stringValue.flatMap { Data(base64Encoded: $0) } ?? Data()
            }
        } else if let mapName = volume["configMap"]["name"].stringValue {
            guard let map = try await client.getIfExists(.configMaps, namespace: pod.namespace, name: mapName) else {
                if volume["configMap"]["optional"].boolValue == true { return directory }
                throw VolumeError.missingSource(volume: name, kind: "configmap", name: mapName)
            }
            for (key, value) in map["data"].objectValue ?? [:] { files[key] = Data((value.stringValue ?? "").utf8) }
        }
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for (key, data) in files {
                let path = (directory as NSString).appendingPathComponent(key)
                try data.write(to: URL(fileURLWithPath: path), options: .atomic)
                try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            }
        } catch {
            throw VolumeError.io("cannot fill volume \(name): \(error.localizedDescription)")
        }
        return directory
    }

    /// `value` with a leading mount path replaced by its host directory (longest match).
    static func translate(_ value: String, mounts: [String: String]) -> String {
        for (mountPath, host) in mounts.sorted(by: { $0.key.count > $1.key.count }) {
            if value == mountPath { return host }
            let prefix = mountPath.hasSuffix("/") ? mountPath : mountPath + "/"
            if value.hasPrefix(prefix) { return host + "/" + value.dropFirst(prefix.count) }
            // `--flag=/mount/path/...`
            if let eq = value.firstIndex(of: "="), value[value.index(after: eq)...].hasPrefix(mountPath) {
                return String(value[...eq]) + translate(String(value[value.index(after: eq)...]), mounts: mounts)
            }
        }
        return value
    }

    /// Removes the pod's directory (claims stay).
    func remove() {
        try? FileManager.default.removeItem(atPath: podDirectory)
    }

    static func remove(dataDirectory: String, namespace: String, name: String, uid: String) {
        try? FileManager.default.removeItem(atPath: (dataDirectory as NSString).appendingPathComponent("pods/\(namespace)_\(name)_\(uid)"))
    }
}

/// Where a container's log file is, for whoever serves `pods/log`.
public enum PodLogFiles {
    public static func path(dataDirectory: String, namespace: String, pod: String, uid: String, container: String) -> String {
        PodFilesystem.logPath(dataDirectory: dataDirectory, namespace: namespace, pod: pod, uid: uid, container: container)
    }
}
