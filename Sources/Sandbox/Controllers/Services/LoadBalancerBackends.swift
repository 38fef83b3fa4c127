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

    /// Sets the pods behind `key`; the rotation goes on where it was if they did not change.
    func set(_ pods: [String], for key: ObjectKey) {
        table.withLock { all in
            if all[key]?.pods == pods { return }
            all[key] = pods.isEmpty ? nil : Rotation(pods: pods)
        }
    }

    func remove(_ key: ObjectKey) {
        _ = table.withLock { $0.removeValue(forKey: key) }
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
