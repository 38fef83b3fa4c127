import Foundation
import KubeAPI
import KubeClient
import Logging

/// When each object was first seen in each member.
actor Sightings {
    private var seen: [String: [String: ContinuousClock.Instant]] = [:]
    private(set) var count = 0

    func record(_ name: String, member: String, at time: ContinuousClock.Instant) {
        guard seen[name, default: [:]][member] == nil else { return }
        seen[name, default: [:]][member] = time
        count += 1
    }

    /// The moment the last member saw `name`.
    func lastSeen(_ name: String) -> ContinuousClock.Instant? { seen[name]?.values.max() }
}

/// ConfigMaps created one by one in the federation at a steady rate; each one's latency
/// is from just before its create request to the moment the last member's watch delivers
/// its copy.
struct PropagationLatency {
    let federation: KubeClient
    let members: [String: KubeClient]
    let timeout: Duration
    static let namespace = "fedbench-latency"

    func measure(objects: Int, rate: Double) async throws -> JSONValue {
        try await ensureNamespace(Self.namespace, federation: federation, members: members, timeout: timeout)
        let sightings = Sightings()
        let watchers = Task {
            await withTaskGroup(of: Void.self) { group in
                for (name, member) in members {
                    group.addTask { await watch(member, name: name, into: sightings) }
                }
            }
        }
        defer { watchers.cancel() }
        // Each watch starts from a list's resourceVersion, so nothing created later is missed.
        try await waitUntil("member watches to start", timeout: timeout) { await started.count == members.count }

        var sent: [String: ContinuousClock.Instant] = [:]
        let interval = Duration.seconds(1 / rate)
        let start = ContinuousClock.now
        for i in 0..<objects {
            let name = String(format: "lat-%05d", i)
            let map: JSONValue = [
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": ["name": .string(name), "labels": ["fedbench": "latency"]], "data": ["i": .string(String(i))],
            ]
            sent[name] = .now
            _ = try await federation.create(.configMaps, namespace: Self.namespace, map)
            let next = start + interval * (i + 1)
            if next > .now { try await Task.sleep(until: next) }
        }
        try await waitUntil("every copy to reach every member", timeout: timeout) {
            await sightings.count == objects * members.count
        }
        var latencies: [Double] = []
        for (name, at) in sent {
            if let last = await sightings.lastSeen(name) { latencies.append((last - at).milliseconds) }
        }
        try await deleteNamespace(Self.namespace, federation: federation)
        var result = Distribution(values: latencies).json()
        result["objects"] = .int(Int64(objects))
        result["ratePerSecond"] = .double(rate)
        return result
    }

    private let started = StartedWatches()

    private func watch(_ member: KubeClient, name: String, into sightings: Sightings) async {
        let selector = "fedbench=latency"
        while !Task.isCancelled {
            do {
                let list = try await member.list(.configMaps, namespace: Self.namespace, options: ListOptions(labelSelector: selector))
                for item in list.items { await sightings.record(item["metadata"]["name"].stringValue ?? "", member: name, at: .now) }
                await started.mark(name)
                _ = try await member.watch(
                    .configMaps, namespace: Self.namespace,
                    options: ListOptions(labelSelector: selector, resourceVersion: list.resourceVersion, timeoutSeconds: 3600)
                ) { event in
                    if event.type == .added || event.type == .modified {
                        await sightings.record(event.object["metadata"]["name"].stringValue ?? "", member: name, at: .now)
                    }
                    return !Task.isCancelled
                }
            } catch {
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}

actor StartedWatches {
    private var names: Set<String> = []
    var count: Int { names.count }
    func mark(_ name: String) { names.insert(name) }
}

/// Many Deployments created at once in the federation; the time until every member holds
/// its copy of each, and until the federation reports every one ready.
struct Convergence {
    let federation: KubeClient
    let members: [String: KubeClient]
    let timeout: Duration
    static let namespace = "fedbench-convergence"

    func measure(deployments: Int, writers: Int, waitReady: Bool) async throws -> JSONValue {
        try await ensureNamespace(Self.namespace, federation: federation, members: members, timeout: timeout)
        let replicas = Int64(members.count)  // one pod per member each
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    var i = w
                    while i < deployments {
                        let name = String(format: "conv-%05d", i)
                        let labels: JSONValue = ["app": .string(name)]
                        let deployment: JSONValue = [
                            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": .string(name)],
                            "spec": [
                                "replicas": .int(replicas), "selector": ["matchLabels": labels],
                                "template": ["metadata": ["labels": labels], "spec": ["containers": [["name": "app", "image": "nginx"]]]],
                            ],
                        ]
                        _ = try await federation.create(.deployments, namespace: Self.namespace, deployment)
                        i += writers
                    }
                }
            }
            try await group.waitForAll()
        }
        let created = ContinuousClock.now - start
        var copied: Duration = .zero
        var readyCount = 0
        var readyMs: JSONValue = .null
        // Counted from watches, not lists: listing 10 × 1,000 Deployments every poll would load
        // the members' process as much as the work being measured.
        let logger = Logger(label: "fedbench")
        let memberCaches = members.values.map { Informer(client: $0, type: .deployments, namespace: Self.namespace, logger: logger) }
        let federationCache = Informer(client: federation, type: .deployments, namespace: Self.namespace, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for informer in memberCaches + [federationCache] { group.addTask { await informer.run() } }
            try await waitUntil("every member to hold every Deployment", timeout: timeout, every: .milliseconds(100)) {
                for informer in memberCaches where await informer.count < deployments { return false }
                return true
            }
            copied = ContinuousClock.now - start
            if !waitReady {
                readyMs = "not measured"
                group.cancelAll()
                return
            }
            do {
                try await waitUntil("the federation to report every Deployment ready", timeout: timeout, every: .milliseconds(100)) {
                    readyCount = await federationCache.list().filter { ($0["status"]["readyReplicas"].intValue ?? 0) == replicas }.count
                    return readyCount == deployments
                }
                readyMs = .double((ContinuousClock.now - start).milliseconds.rounded())
            } catch {
                readyMs = .string("not within \(timeout): \(readyCount) of \(deployments) ready")
            }
            group.cancelAll()
        }
        try await deleteNamespace(Self.namespace, federation: federation)
        return [
            "deployments": .int(Int64(deployments)), "replicasEach": .int(replicas),
            "createdMs": .double(created.milliseconds.rounded()), "allCopiesInEveryMemberMs": .double(copied.milliseconds.rounded()),
            "allReadyInFederationMs": readyMs,
        ]
    }
}

/// Creates `name` in the federation and waits until every member has it.
func ensureNamespace(_ name: String, federation: KubeClient, members: [String: KubeClient], timeout: Duration) async throws {
    let namespace: JSONValue = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]
    do {
        _ = try await federation.create(.namespaces, namespace)
    } catch {
        if !error.isAlreadyExists { throw error }
    }
    try await waitUntil("namespace \(name) in every member", timeout: timeout, every: .milliseconds(100)) {
        for member in members.values where try await member.getIfExists(.namespaces, name: name) == nil { return false }
        return true
    }
}

/// Deletes a namespace of the federation (its members' copies go with it) without waiting.
func deleteNamespace(_ name: String, federation: KubeClient) async throws {
    try await federation.deleteIfExists(.namespaces, name: name)
}
