import Crypto
import Foundation
import KubeAPI
import KubeClient

/// The objects `meridian init` creates in the host cluster, in the order they are
/// created: namespace, ServiceAccount and RBAC, the control plane's Secret(s), its data
/// claim, the Deployment running `meridian serve`, and the Service in front of it. Pure:
/// `--dry-run -o yaml` prints exactly these.
struct ControlPlaneManifests {
    var federation: String
    var namespace: String
    var image: String
    /// Key → file content of the control plane's credentials Secret (see `PKI.fileNames`).
    var credentials: [String: String]
    /// The DNS provider and its configuration file's content, if any.
    var dnsProvider: String?
    var dnsZoneName: String?
    var dnsProviderConfig: String?
    /// nil: the data directory is an emptyDir (kubefed's `--etcd-persistent-storage=false`).
    var storage: Storage? = Storage()

    struct Storage {
        var capacity = "10Gi"
        var storageClass: String?
    }

    static let servingPort = 8443
    /// The built-in DNS server's port in the pod (unprivileged); the Service answers on 53.
    static let dnsPort = 5353

    /// The control plane serves the zone itself (no external provider).
    var servesDNS: Bool { dnsProvider == nil || dnsProvider == "builtin" }
    static let dataPath = "/var/lib/meridian"
    static let credentialsPath = "/etc/meridian/pki"
    static let dnsConfigPath = "/etc/meridian/dns"
    static let dnsConfigKey = "provider.conf"
    static let fieldManager = "meridian-init"

    var controlPlaneName: String { "\(federation)-control-plane" }
    var serviceName: String { "\(federation)-apiserver" }
    var credentialsSecretName: String { "\(federation)-credentials" }
    var dnsSecretName: String { "\(federation)-dns-provider" }
    var claimName: String { "\(federation)-data" }

    /// The names the serving certificate must carry for in-cluster clients.
    static func serviceHosts(federation: String, namespace: String) -> [String] {
        let service = "\(federation)-apiserver"
        return [service, "\(service).\(namespace)", "\(service).\(namespace).svc", "\(service).\(namespace).svc.cluster.local"]
    }

    var selector: JSONValue { ["app.kubernetes.io/name": "meridian", "app.kubernetes.io/instance": .string(federation)] }

    var labels: JSONValue {
        var labels = selector
        labels["app.kubernetes.io/component"] = "control-plane"
        labels["app.kubernetes.io/managed-by"] = .string(Self.fieldManager)
        return labels
    }

    func metadata(_ name: String, namespaced: Bool = true) -> JSONValue {
        var metadata: JSONValue = ["name": .string(name), "labels": labels]
        if namespaced { metadata["namespace"] = .string(namespace) }
        return metadata
    }

    /// Every object with the resource it is created as, in creation order.
    var objects: [(type: ResourceType, object: JSONValue)] {
        var objects: [(ResourceType, JSONValue)] = [
            (.namespaces, namespaceObject), (.serviceAccounts, serviceAccount), (.roles, role), (.roleBindings, roleBinding),
            (.secrets, credentialsSecret),
        ]
        if let dnsSecret { objects.append((.secrets, dnsSecret)) }
        if let claim { objects.append((.persistentVolumeClaims, claim)) }
        objects.append((.deployments, deployment))
        objects.append((.services, service))
        return objects
    }

    /// The namespace may hold several federations' control planes: it carries no instance.
    var namespaceObject: JSONValue {
        [
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": ["name": .string(namespace), "labels": ["app.kubernetes.io/managed-by": .string(Self.fieldManager)]],
        ]
    }

    var serviceAccount: JSONValue { ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata(controlPlaneName)] }

    /// What the control plane may do in its own namespace of the host cluster: its
    /// leader-election Lease, its Events, reading its Secrets.
    var role: JSONValue {
        [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": metadata(controlPlaneName),
            "rules": [
                ["apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "list", "watch", "create", "update"]],
                ["apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]],
                ["apiGroups": [""], "resources": ["secrets", "configmaps"], "verbs": ["get", "list", "watch"]],
            ],
        ]
    }

    var roleBinding: JSONValue {
        [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": metadata(controlPlaneName),
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": .string(controlPlaneName)],
            "subjects": [["kind": "ServiceAccount", "name": .string(controlPlaneName), "namespace": .string(namespace)]],
        ]
    }

    var credentialsSecret: JSONValue {
        var data: [String: JSONValue] = [:]
        for (key, value) in credentials { data[key] = .string(Data(value.utf8).base64EncodedString()) }
        return ["apiVersion": "v1", "kind": "Secret", "metadata": metadata(credentialsSecretName), "type": "Opaque", "data": .object(data)]
    }

    var dnsSecret: JSONValue? {
        guard let dnsProviderConfig else { return nil }
        return [
            "apiVersion": "v1", "kind": "Secret", "metadata": metadata(dnsSecretName), "type": "Opaque",
            "data": [Self.dnsConfigKey: .string(Data(dnsProviderConfig.utf8).base64EncodedString())],
        ]
    }

    var claim: JSONValue? {
        guard let storage else { return nil }
        var spec: JSONValue = ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": .string(storage.capacity)]]]
        if let storageClass = storage.storageClass { spec["storageClassName"] = .string(storageClass) }
        return ["apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": metadata(claimName), "spec": spec]
    }

    var arguments: [String] {
        var args = [
            "serve", "--data-dir=\(Self.dataPath)", "--port=\(Self.servingPort)", "--bind-address=$(POD_IP)",
            "--federation-name=\(federation)", "--pki-dir=\(Self.credentialsPath)",
        ]
        if let dnsProvider { args.append("--dns-provider=\(dnsProvider)") }
        if servesDNS { args.append("--dns-port=\(Self.dnsPort)") }
        if let dnsZoneName, !dnsZoneName.isEmpty { args.append("--dns-zone-name=\(dnsZoneName)") }
        if dnsProviderConfig != nil { args.append("--dns-provider-config=\(Self.dnsConfigPath)/\(Self.dnsConfigKey)") }
        return args
    }

    var deployment: JSONValue {
        var mounts: [JSONValue] = [
            ["name": "data", "mountPath": .string(Self.dataPath)],
            ["name": "credentials", "mountPath": .string(Self.credentialsPath), "readOnly": true],
        ]
        var volumes: [JSONValue] = [
            storage == nil
                ? ["name": "data", "emptyDir": .emptyObject]
                : ["name": "data", "persistentVolumeClaim": ["claimName": .string(claimName)]],
            ["name": "credentials", "secret": ["secretName": .string(credentialsSecretName), "defaultMode": 0o400]],
        ]
        if dnsProviderConfig != nil {
            mounts.append(["name": "dns-provider", "mountPath": .string(Self.dnsConfigPath), "readOnly": true])
            volumes.append(["name": "dns-provider", "secret": ["secretName": .string(dnsSecretName), "defaultMode": 0o400]])
        }
        var ports: [JSONValue] = [["name": "https", "containerPort": .int(Int64(Self.servingPort)), "protocol": "TCP"]]
        if servesDNS {
            for proto in ["TCP", "UDP"] {
                ports.append([
                    "name": .string("dns-\(proto.lowercased())"), "containerPort": .int(Int64(Self.dnsPort)), "protocol": .string(proto),
                ])
            }
        }
        let container: JSONValue = [
            "name": "meridian", "image": .string(image), "args": .array(arguments.map { .string($0) }),
            "env": [["name": "POD_IP", "valueFrom": ["fieldRef": ["fieldPath": "status.podIP"]]]],
            "ports": .array(ports),
            "readinessProbe": ["httpGet": ["path": "/readyz", "port": "https", "scheme": "HTTPS"], "periodSeconds": 2],
            "volumeMounts": .array(mounts),
        ]
        var templateMetadata: JSONValue = ["labels": labels]
        // A changed credential restarts the control plane (a Secret volume is read at start).
        templateMetadata["annotations"] = ["federation.meridian.dev/credentials-hash": .string(credentialsHash)]
        return [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata(controlPlaneName),
            "spec": [
                // One writer of the data volume at a time.
                "replicas": 1, "strategy": ["type": "Recreate"], "selector": ["matchLabels": selector],
                "template": [
                    "metadata": templateMetadata,
                    "spec": [
                        "serviceAccountName": .string(controlPlaneName), "containers": [container], "volumes": .array(volumes),
                    ],
                ],
            ],
        ]
    }

    var service: JSONValue {
        var ports: [JSONValue] = [["name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"]]
        if servesDNS {
            // Resolvers ask over UDP and fall back to TCP; a load balancer of mixed protocols
            // is plain Kubernetes since 1.26.
            for proto in ["TCP", "UDP"] {
                let name = JSONValue.string("dns-\(proto.lowercased())")
                ports.append(["name": name, "port": 53, "targetPort": name, "protocol": .string(proto)])
            }
        }
        return [
            "apiVersion": "v1", "kind": "Service", "metadata": metadata(serviceName),
            "spec": ["type": "LoadBalancer", "selector": selector, "ports": .array(ports)],
        ]
    }

    /// A digest of the credentials and DNS configuration, stable across runs.
    var credentialsHash: String {
        var text = credentials.keys.sorted().map { "\($0)=\(credentials[$0]!)" }.joined(separator: "\n")
        text += "\n\(dnsProviderConfig ?? "")"
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The manifests as one YAML stream (`---` between objects), for `--dry-run -o yaml`.
    func yaml() throws -> String {
        try objects.map { try YAMLEncoding.encode($0.object) }.joined(separator: "---\n")
    }

    /// The manifests as a `v1` List, for `--dry-run -o json`.
    func json() -> String {
        let list: JSONValue = ["apiVersion": "v1", "kind": "List", "items": .array(objects.map(\.object))]
        return list.serializedString() + "\n"
    }
}
