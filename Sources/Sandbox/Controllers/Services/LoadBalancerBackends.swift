import KubeClient
import Synchronization

/// The ready pods behind each load-balanced Service, read by the listeners on every
/// request to pick one round-robin. Written by the controller, read on NIO threads.
final class LoadBalancerBackends: Sendable {
    private struct Rotation {
        var pods: [String]
        var next = 0
    }

    private let table = Mutex<[ObjectKey: Rotation]>([:])
    /// Per Service and service port: the real addresses of process pods behind it (a
    /// listener forwards TCP there instead of answering itself), with a rotation counter.
    private let targets = Mutex<[ObjectKey: [Int: (addresses: [ForwardTarget], next: Int)]]>([:])

    struct ForwardTarget: Equatable, Sendable {
        var host: String
        var port: Int
    }

    func setTargets(_ byPort: [Int: [ForwardTarget]], for key: ObjectKey) {
        targets.withLock { all in
            var entry: [Int: (addresses: [ForwardTarget], next: Int)] = [:]
            for (port, addresses) in byPort where !addresses.isEmpty {
                let old = all[key]?[port]
                entry[port] = (addresses, old?.addresses == addresses ? old!.next : 0)
            }
            all[key] = entry.isEmpty ? nil : entry
        }
    }

    /// The next process pod to forward a connection on `port` of `key` to, if any.
    func nextTarget(for key: ObjectKey, port: Int) -> ForwardTarget? {
        targets.withLock { all in
            guard var entry = all[key]?[port], !entry.addresses.isEmpty else { return nil }
            let target = entry.addresses[entry.next % entry.addresses.count]
            entry.next = (entry.next + 1) % entry.addresses.count
            all[key]?[port] = entry
            return target
        }
    }

    /// Sets the pods behind `key`; the rotation goes on where it was if they did not change.
    func set(_ pods: [String], for key: ObjectKey) {
        table.withLock { all in
            if all[key]?.pods == pods { return }
            all[key] = pods.isEmpty ? nil : Rotation(pods: pods)
        }
    }

    func remove(_ key: ObjectKey) {
        _ = table.withLock { $0.removeValue(forKey: key) }
        _ = targets.withLock { $0.removeValue(forKey: key) }
    }

    /// The next pod behind `key`, nil when there is none.
    func next(for key: ObjectKey) -> String? {
        table.withLock { all in
            guard var rotation = all[key], !rotation.pods.isEmpty else { return nil }
            let pod = rotation.pods[rotation.next % rotation.pods.count]
            rotation.next = (rotation.next + 1) % rotation.pods.count
            all[key] = rotation
            return pod
        }
    }
}
