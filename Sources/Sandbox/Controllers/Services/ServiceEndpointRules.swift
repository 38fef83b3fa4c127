import KubeAPI
import KubeClient

/// Labels and annotations the Service controllers of kube-controller-manager use.
enum ServiceLabels {
    static let serviceName = "kubernetes.io/service-name"
    static let managedBy = "endpointslice.kubernetes.io/managed-by"
    static let skipMirror = "endpointslice.kubernetes.io/skip-mirror"
    static let headless = "service.kubernetes.io/headless"
    static let sliceController = "endpointslice-controller.k8s.io"
    static let mirroringController = "endpointslicemirroring-controller.k8s.io"
    static let lastChangeTriggerTime = "endpoints.kubernetes.io/last-change-trigger-time"
    static let lastAppliedConfiguration = "kubectl.kubernetes.io/last-applied-configuration"
}

/// A Service port as it appears in Endpoints subsets and EndpointSlices.
struct EndpointPort: Hashable, Sendable {
    var name: String
    var port: Int64
    var proto: String
    var appProtocol: String?

    var json: JSONValue {
        var out: JSONValue = ["port": .int(port), "protocol": .string(proto)]
        if !name.isEmpty { out["name"] = .string(name) }
        if let appProtocol { out["appProtocol"] = .string(appProtocol) }
        return out
    }

    init(name: String, port: Int64, proto: String, appProtocol: String? = nil) {
        self.name = name
        self.port = port
        self.proto = proto
        self.appProtocol = appProtocol
    }

    /// Reads an `EndpointPort` as written in an Endpoints subset or a slice.
    init(_ json: JSONValue) {
        self.init(
            name: json["name"].stringValue ?? "", port: json["port"].intValue ?? 0, proto: json["protocol"].stringValue ?? "TCP",
            appProtocol: json["appProtocol"].stringValue)
    }

    /// The endpoint port for `servicePort` once its target resolved to `number` on a pod.
    init(servicePort: JSONValue, number: Int64) {
        self.init(
            name: servicePort["name"].stringValue ?? "", port: number, proto: servicePort["protocol"].stringValue ?? "TCP",
            appProtocol: servicePort["appProtocol"].stringValue)
    }
}

/// The Service fields the endpoint controllers read.
extension JSONValue {
    /// `spec.selector` of a Service; nil when missing or empty (then the Service's
    /// endpoints are managed by hand), and for ExternalName Services, which have none.
    var serviceSelector: [String: String]? {
        guard self["spec"]["type"].stringValue != "ExternalName" else { return nil }
        let selector = (self["spec"]["selector"].objectValue ?? [:]).compactMapValues(\.stringValue)
        return selector.isEmpty ? nil : selector
    }

    var isHeadlessService: Bool { self["spec"]["clusterIP"].stringValue == "None" }

    var servicePorts: [JSONValue] { self["spec"]["ports"].arrayValue ?? [] }
}

/// Which pods a Service's endpoints list and how their ports resolve
/// (`pkg/api/v1/pod` and `pkg/controller/util/endpoint` in Kubernetes).
enum PodEndpointRules {
    static func isReady(_ pod: JSONValue) -> Bool { pod.condition("Ready")?["status"].stringValue == "True" }

    static func podIP(_ pod: JSONValue) -> String? {
        guard let ip = pod["status"]["podIP"].stringValue, !ip.isEmpty else { return nil }
        return ip
    }

    /// `ShouldPodBeInEndpoints`: an IP, not finished for good, and not terminating unless asked.
    static func belongsInEndpoints(_ pod: JSONValue, includeTerminating: Bool) -> Bool {
        guard podIP(pod) != nil else { return false }
        if !includeTerminating && pod.isDeleting { return false }
        let phase = pod["status"]["phase"].stringValue ?? ""
        switch pod["spec"]["restartPolicy"].stringValue ?? "Always" {
        case "Never": return phase != "Failed" && phase != "Succeeded"
        case "OnFailure": return phase != "Succeeded"
        default: return true
        }
    }

    /// `podutil.FindPort`: a numeric target port as is (missing or 0 means the Service
    /// port), a named one looked up among the pod's container ports of the same protocol.
    static func resolve(_ servicePort: JSONValue, in pod: JSONValue) -> Int64? {
        let proto = servicePort["protocol"].stringValue ?? "TCP"
        switch servicePort["targetPort"] {
        case .string(let name):
            for container in pod["spec"]["containers"].arrayValue ?? [] {
                for port in container["ports"].arrayValue ?? []
                where port["name"].stringValue == name && (port["protocol"].stringValue ?? "TCP") == proto {
                    return port["containerPort"].intValue
                }
            }
            return nil
        case let target:
            if let number = target.intValue, number > 0 { return number }
            return servicePort["port"].intValue
        }
    }

    /// The Service's ports that resolve on `pod`, in the Service's order.
    static func ports(of service: JSONValue, on pod: JSONValue) -> [EndpointPort] {
        service.servicePorts.compactMap { servicePort in
            resolve(servicePort, in: pod).map { EndpointPort(servicePort: servicePort, number: $0) }
        }
    }

    /// The pods in `pods` that `selector` picks.
    static func selected(_ pods: [JSONValue], by selector: [String: String]) -> [JSONValue] {
        pods.filter { pod in
            let labels = pod.labels
            return selector.allSatisfy { labels[$0.key] == $0.value }
        }
    }

    /// `{kind: Pod, namespace, name, uid}`, as both controllers reference pods.
    static func targetRef(_ pod: JSONValue) -> JSONValue {
        ["kind": "Pod", "namespace": .string(pod.namespace), "name": .string(pod.name), "uid": .string(pod.uid)]
    }

    /// `ShouldSetHostname`: the pod asked for a hostname under this (headless) Service.
    static func hostname(_ pod: JSONValue, service: JSONValue) -> String? {
        guard let hostname = pod["spec"]["hostname"].stringValue, !hostname.isEmpty,
            pod["spec"]["subdomain"].stringValue == service.name, pod.namespace == service.namespace
        else { return nil }
        return hostname
    }

    /// When the endpoints last changed as far as the objects tell: the latest of the
    /// Service's creation and each pod's readiness change (or creation).
    static func lastChangeTime(service: JSONValue, pods: [JSONValue]) -> String? {
        var times = [service["metadata"]["creationTimestamp"].stringValue]
        for pod in pods {
            times.append(pod.condition("Ready")?["lastTransitionTime"].stringValue ?? pod["metadata"]["creationTimestamp"].stringValue)
        }
        return times.compactMap { $0 }.max()
    }
}
