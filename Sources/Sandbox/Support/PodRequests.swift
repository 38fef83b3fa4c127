import KubeAPI

/// The resource requests of a pod: the sum over containers, or the largest init
/// container if bigger, as the scheduler counts them.
struct PodRequests: Equatable {
    var cpuMilli: Int64 = 0
    var memoryMilli: Int64 = 0

    init(cpuMilli: Int64 = 0, memoryMilli: Int64 = 0) {
        self.cpuMilli = cpuMilli
        self.memoryMilli = memoryMilli
    }

    init(pod: JSONValue) {
        func requests(_ c: JSONValue) -> (Int64, Int64) {
            let r = c["resources"]["requests"]
            return (Quantity.milli(r["cpu"]) ?? 0, Quantity.milli(r["memory"]) ?? 0)
        }
        for c in pod["spec"]["containers"].arrayValue ?? [] {
            let (cpu, mem) = requests(c)
            cpuMilli += cpu
            memoryMilli += mem
        }
        for c in pod["spec"]["initContainers"].arrayValue ?? [] {
            let (cpu, mem) = requests(c)
            cpuMilli = max(cpuMilli, cpu)
            memoryMilli = max(memoryMilli, mem)
        }
    }
}
