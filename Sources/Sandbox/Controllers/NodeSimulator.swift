import Foundation
import KubeAPI
import KubeClient
import Logging
import ServiceLifecycle

/// The sandbox's virtual nodes: registers them as kubelets do (capacity, allocatable,
/// topology labels, Ready condition, pod CIDR) and keeps them alive with Lease renewals
/// in `kube-node-lease` and periodic status heartbeats.
struct NodeSimulator: Service {
    let context: SandboxContext
    /// Node status is re-posted every this many lease renewals (kubelet: 10 s lease, 1 min status).
    let statusEvery = 6

    static func services(_ context: SandboxContext) -> [any Service] { [NodeSimulator(context: context)] }

    func run() async throws {
        let config = context.configuration
        var backoff = Duration.milliseconds(100)
        // Register all nodes first; retry until the API server takes them.
        while !Task.isCancelled {
            do {
                for index in 1..<(config.nodeCount + 1) { try await register(index) }
                context.logger.info(
                    "nodes registered", metadata: ["meridian.sandbox": "\(config.name)", "meridian.nodes": "\(config.nodeCount)"])
                break
            } catch {
                context.logger.warning("cannot register nodes", metadata: ["error": "\(error)"])
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
        var beat = 0
        while !Task.isCancelled {
            for index in 1..<(config.nodeCount + 1) {
                do {
                    try await renewLease(index)
                    if beat % statusEvery == 0 { try await heartbeat(index) }
                } catch {
                    context.logger.debug(
                        "node heartbeat failed", metadata: ["meridian.node": "\(config.nodeName(index))", "error": "\(error)"])
                }
            }
            beat += 1
            try await Task.sleep(for: config.heartbeatInterval)
        }
    }

    func nodeObject(_ index: Int) -> JSONValue {
        let config = context.configuration
        let name = config.nodeName(index)
        let resources: JSONValue = [
            "cpu": .string(config.nodeCPU), "memory": .string(config.nodeMemory), "pods": .string(String(config.nodePods)),
            "ephemeral-storage": "100Gi",
        ]
        return [
            "apiVersion": "v1", "kind": "Node",
            "metadata": [
                "name": .string(name),
                "labels": [
                    "kubernetes.io/hostname": .string(name), "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                    "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64",
                    "topology.kubernetes.io/region": .string(config.region), "topology.kubernetes.io/zone": .string(config.zone),
                    "node.kubernetes.io/instance-type": "meridian-sandbox",
                ],
                "annotations": ["node.alpha.kubernetes.io/ttl": "0"],
            ],
            "spec": [
                "podCIDR": .string(podCIDR(index)), "podCIDRs": [.string(podCIDR(index))],
                "providerID": .string("meridian-sandbox://\(config.name)/\(name)"),
            ],
            "status": ["capacity": resources, "allocatable": resources],
        ]
    }

    func podCIDR(_ index: Int) -> String { "\(context.configuration.podNetworkPrefix).\(index).0/24" }

    func status(_ index: Int, existing: JSONValue?) -> JSONValue {
        let now = Timestamp.now()
        let config = context.configuration
        func condition(_ type: String, _ status: String, _ reason: String, _ message: String) -> JSONValue {
            let previous = (existing?["status"]["conditions"].arrayValue ?? []).first { $0["type"].stringValue == type }
            let transition = previous?["status"].stringValue == status ? previous!["lastTransitionTime"] : .string(now)
            return [
                "type": .string(type), "status": .string(status), "reason": .string(reason), "message": .string(message),
                "lastHeartbeatTime": .string(now), "lastTransitionTime": transition,
            ]
        }
        var status = nodeObject(index)["status"]
        status["conditions"] = [
            condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ]
        status["addresses"] = [
            ["type": "InternalIP", "address": .string(config.nodeIP(index))],
            ["type": "Hostname", "address": .string(config.nodeName(index))],
        ]
        status["daemonEndpoints"] = ["kubeletEndpoint": ["Port": 10250]]
        status["nodeInfo"] = [
            "machineID": .string(config.nodeName(index)), "systemUUID": .string(config.nodeName(index)),
            "bootID": .string(config.nodeName(index)), "kernelVersion": "6.1.0", "osImage": "Meridian sandbox",
            "containerRuntimeVersion": "meridian://0.1.0", "kubeletVersion": "v1.32.0", "kubeProxyVersion": "v1.32.0",
            "operatingSystem": "linux", "architecture": "amd64",
        ]
        return status
    }

    func register(_ index: Int) async throws(KubeClientError) {
        let client = context.client
        var node = try await client.getIfExists(.nodes, name: context.configuration.nodeName(index))
        if node == nil {
            do {
                node = try await client.create(.nodes, nodeObject(index))
            } catch {
                if !error.isAlreadyExists { throw error }
                node = try await client.get(.nodes, name: context.configuration.nodeName(index))
            }
        }
        try await heartbeat(index, existing: node)
    }

    func heartbeat(_ index: Int, existing: JSONValue? = nil) async throws(KubeClientError) {
        let name = context.configuration.nodeName(index)
        let current: JSONValue
        if let existing { current = existing } else { current = try await context.client.get(.nodes, name: name) }
        _ = try await context.client.patch(
            .nodes, name: name, ["status": status(index, existing: current)], as: .merge, subresource: "status")
    }

    func renewLease(_ index: Int) async throws(KubeClientError) {
        let name = context.configuration.nodeName(index)
        let now = Timestamp.formatMicro(Date())
        let spec: JSONValue = ["holderIdentity": .string(name), "leaseDurationSeconds": 40, "renewTime": .string(now)]
        do {
            _ = try await context.client.patch(.leases, namespace: "kube-node-lease", name: name, ["spec": spec], as: .merge)
        } catch {
            guard error.isNotFound else { throw error }
            let node = try await context.client.get(.nodes, name: name)
            let lease: JSONValue = [
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": [
                    "name": .string(name), "namespace": "kube-node-lease",
                    "ownerReferences": [
                        ["apiVersion": "v1", "kind": "Node", "name": .string(name), "uid": .string(node.uid)]
                    ],
                ],
                "spec": spec,
            ]
            _ = try await context.client.create(.leases, namespace: "kube-node-lease", lease)
        }
    }
}
