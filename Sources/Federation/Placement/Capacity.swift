import KubeAPI

/// Free capacity of a member, in replicas of one workload: its nodes' allocatable minus
/// what its running pods request, divided by what one replica requests (CPU, memory, and
/// the pod count, whichever is scarcest). The workload's own replicas there count as free,
/// so a division by capacity does not chase its own footprint.
public enum Capacity {
    public struct Request: Sendable, Equatable {
        public var cpuMilli: Int64
        public var memoryMilli: Int64
        public init(cpuMilli: Int64, memoryMilli: Int64) {
            self.cpuMilli = cpuMilli
            self.memoryMilli = memoryMilli
        }
    }

    /// What one pod of `template` (a pod template's `spec`) requests.
    public static func request(podSpec: JSONValue) -> Request {
        var cpu: Int64 = 0
        var memory: Int64 = 0
        for container in podSpec["containers"].arrayValue ?? [] {
            cpu += Quantity.milli(container["resources"]["requests"]["cpu"]) ?? 0
            memory += Quantity.milli(container["resources"]["requests"]["memory"]) ?? 0
        }
        return Request(cpuMilli: cpu, memoryMilli: memory)
    }

    public static func freeReplicas(nodes: [JSONValue], pods: [JSONValue], perReplica: Request, ownReplicas: Int64) -> Int64 {
        var cpu: Int64 = 0
        var memory: Int64 = 0
        var podSlots: Int64 = 0
        for node in nodes where node["spec"]["unschedulable"].boolValue != true {
            cpu += Quantity.milli(node["status"]["allocatable"]["cpu"]) ?? 0
            memory += Quantity.milli(node["status"]["allocatable"]["memory"]) ?? 0
            podSlots += (Quantity.milli(node["status"]["allocatable"]["pods"]) ?? 0) / 1000
        }
        for pod in pods where !["Succeeded", "Failed"].contains(pod["status"]["phase"].stringValue ?? "") {
            let r = request(podSpec: pod["spec"])
            cpu -= r.cpuMilli
            memory -= r.memoryMilli
            podSlots -= 1
        }
        var fits = max(podSlots, 0)
        if perReplica.cpuMilli > 0 { fits = min(fits, max(cpu, 0) / perReplica.cpuMilli) }
        if perReplica.memoryMilli > 0 { fits = min(fits, max(memory, 0) / perReplica.memoryMilli) }
        return fits + ownReplicas
    }
}
