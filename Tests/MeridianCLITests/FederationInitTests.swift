import Foundation
import KubeAPI
import Testing

/// The seed's walkthrough with `meridian init` in place of `kubefed init`: two sandbox
/// clusters, their kubeconfigs merged with `KUBECONFIG=a:b`, the control plane installed
/// into the westus cluster as a Deployment behind a LoadBalancer Service.
@Suite struct FederationInitTests {
    /// Two sandboxes and a copy of each one's kubeconfig, as the seed's `eastus.config`
    /// and `.kube/config`.
    final class Seed {
        let root: URL
        let west: MeridianProcess
        let east: MeridianProcess
        let kubeconfig: String

        init() throws {
            root = try Paths.temporaryDirectory("init")
            west = try MeridianProcess.sandbox(name: "westuscluster1", extra: ["--region", "westus", "--nodes", "1"])
            east = try MeridianProcess.sandbox(name: "eastuscluster1", extra: ["--region", "eastus", "--nodes", "1"])
            let eastConfig = root.appendingPathComponent("eastus.config")
            let westConfig = root.appendingPathComponent("config")
            try FileManager.default.copyItem(at: east.kubeconfig, to: eastConfig)
            try FileManager.default.copyItem(at: west.kubeconfig, to: westConfig)
            kubeconfig = "\(eastConfig.path):\(westConfig.path)"
        }

        deinit {
            west.kill()
            east.kill()
        }

        @discardableResult
        func kubectl(_ args: [String], input: String? = nil) throws -> CommandResult {
            try run(try Paths.kubectl(nil), args, environment: ["KUBECONFIG": kubeconfig], input: input)
        }

        @discardableResult
        func meridian(_ args: [String]) throws -> CommandResult {
            try run(Paths.meridian.path, args, environment: ["KUBECONFIG": kubeconfig])
        }

        @discardableResult
        func eventually(_ args: [String], timeout: Duration = .seconds(30), _ accept: (CommandResult) -> Bool) throws -> CommandResult {
            try kubectlEventually(kubeconfig: kubeconfig, args, timeout: timeout, accept)
        }
    }

    static let scenarios = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: calculator}
        spec:
          replicas: 2
          selector: {matchLabels: {app: calculator}}
          template:
            metadata: {labels: {app: calculator}}
            spec: {containers: [{name: calculator, image: "allantargino/calculator:v1", ports: [{containerPort: 5000}]}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: calculator}
        spec: {selector: {app: calculator}, ports: [{port: 5000, targetPort: 5000}]}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: frontend}
        spec:
          replicas: 2
          selector: {matchLabels: {app: frontend}}
          template:
            metadata: {labels: {app: frontend}}
            spec: {containers: [{name: frontend, image: "allantargino/frontend:v1", ports: [{containerPort: 5001}]}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: frontend}
        spec: {selector: {app: frontend}, ports: [{port: 5001, targetPort: 5001}]}
        """

    static let calculatorLB = """
        {"kind": "Service", "apiVersion": "v1", "metadata": {"name": "calculatorlb"},
         "spec": {"ports": [{"port": 5001, "targetPort": 5001}], "selector": {"app": "frontend"}, "type": "LoadBalancer"}}
        """

    static let hostSelector = "app.kubernetes.io/instance=myfederation"

    /// kubefed's progress line: the step, at least three dots, the outcome.
    static func isStep(_ line: String, _ step: String, ending: String) -> Bool {
        guard line.hasPrefix(step + "..."), line.hasSuffix(" " + ending) else { return false }
        return line.dropFirst(step.count).dropLast(ending.count + 1).allSatisfy { $0 == "." }
    }

    @Test func theSeedWalkthroughWithInit() throws {
        let seed = try Seed()
        let initialized = try seed.meridian(["init", "myfederation", "--host-cluster-context=westuscluster1", "--timeout=60"])
        #expect(initialized.status == 0, "\(initialized.error)")
        let lines = initialized.output.split(separator: "\n").map(String.init)
        let steps = [
            "Creating a namespace federation-system for federation system components", "Creating federation control plane service",
            "Creating federation control plane objects (credentials, persistent volume claim)", "Creating federation component deployments",
            "Waiting for federation control plane to come up", "Updating kubeconfig",
        ]
        #expect(lines.count == steps.count + 1, "\(initialized.output)")
        for (line, step) in zip(lines, steps) { #expect(Self.isStep(line, step, ending: "done"), "\(line)") }
        let address = try seed.kubectl([
            "--context", "westuscluster1", "-n", "federation-system", "get", "service", "myfederation-apiserver", "-o",
            "jsonpath={.status.loadBalancer.ingress[0].ip}",
        ]).output
        #expect(address.hasPrefix("127."))
        #expect(lines.last == "Federation API server is running at: \(address)")
        // The new context went into the first file of KUBECONFIG, as kubectl would write it.
        let eastConfig = try String(contentsOf: seed.root.appendingPathComponent("eastus.config"), encoding: .utf8)
        #expect(eastConfig.contains("name: myfederation"))
        #expect(try seed.kubectl(["config", "get-contexts", "-o", "name"]).output == "eastuscluster1\nmyfederation\nwestuscluster1\n")
        // The claim holding the control plane's state is bound; the pod runs Meridian.
        try seed.eventually([
            "--context", "westuscluster1", "-n", "federation-system", "get", "pvc", "myfederation-data", "-o", "jsonpath={.status.phase}",
        ]) {
            $0.output == "Bound"
        }

        #expect(try seed.kubectl(["config", "use-context", "myfederation"]).status == 0)
        let createDefault = try seed.kubectl(["create", "ns", "default"])
        #expect(createDefault.error.contains("AlreadyExists"), "\(createDefault.error)")
        #expect(try seed.kubectl(["get", "ns", "default", "-o", "jsonpath={.status.phase}"]).output == "Active")

        for (cluster, context) in [("westuscluster1", "westuscluster1"), ("eastuscluster1", "eastuscluster1")] {
            let joined = try seed.meridian(["join", cluster, "--host-cluster-context=westuscluster1", "--cluster-context=\(context)"])
            #expect(joined.status == 0, "\(joined.error)")
        }
        try seed.eventually(["get", "clusters", "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.state} {end}"]) {
            $0.output == "eastuscluster1=Ready westuscluster1=Ready "
        }

        #expect(
            try seed.kubectl(["create", "-f", "-"], input: Self.scenarios).output == """
                deployment.apps/calculator created
                service/calculator created
                deployment.apps/frontend created
                service/frontend created

                """)
        for member in ["westuscluster1", "eastuscluster1"] {
            try seed.eventually([
                "get", "rs", "--context=\(member)", "-o",
                "jsonpath={range .items[*]}{.metadata.labels.app}={.spec.replicas}/{.status.readyReplicas} {end}",
            ]) { $0.output == "calculator=1/1 frontend=1/1 " }
        }
        try seed.eventually(["get", "deployments", "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.readyReplicas} {end}"]) {
            $0.output == "calculator=2 frontend=2 "
        }

        // Changes in a member are put back.
        #expect(try seed.kubectl(["--context", "eastuscluster1", "delete", "deployment", "calculator"]).status == 0)
        #expect(try seed.kubectl(["--context", "westuscluster1", "scale", "deployment", "frontend", "--replicas=3"]).status == 0)
        try seed.eventually(["--context", "eastuscluster1", "get", "deployment", "calculator", "-o", "jsonpath={.spec.replicas}"]) {
            $0.output == "1"
        }
        try seed.eventually(["--context", "westuscluster1", "get", "deployment", "frontend", "-o", "jsonpath={.spec.replicas}"]) {
            $0.output == "1"
        }

        // The load balancer: an address in each member, both listed by the federation, both answering.
        #expect(try seed.kubectl(["create", "-f", "-"], input: Self.calculatorLB).output == "service/calculatorlb created\n")
        var memberAddresses: [String: String] = [:]
        for member in ["westuscluster1", "eastuscluster1"] {
            memberAddresses[member] = try seed.eventually([
                "--context", member, "get", "service", "calculatorlb", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}",
            ]) { !$0.output.isEmpty }.output
        }
        let federated = try seed.eventually(["get", "service", "calculatorlb", "-o", "jsonpath={.status.loadBalancer.ingress[*].ip}"]) {
            $0.output.split(separator: " ").count == 2
        }
        #expect(Set(federated.output.split(separator: " ").map(String.init)) == Set(memberAddresses.values))
        let described = try seed.kubectl(["describe", "service", "calculatorlb"]).output
        #expect(described.contains("LoadBalancer Ingress:     \(memberAddresses.values.sorted().joined(separator: ", "))"), "\(described)")
        for (member, ip) in memberAddresses {
            let answer = try run("/usr/bin/curl", ["-s", "--max-time", "5", "http://\(ip):5001/"])
            #expect(
                answer.output.hasPrefix("cluster: \(member)\nnamespace: default\nservice: calculatorlb\npod: frontend-"), "\(answer.output)"
            )
        }

        // The control plane's own DNS answers through its Service's load balancer (port 53;
        // the sandbox's load balancer forwards TCP, so dig asks over TCP).
        var named = try DigClient.query(port: 53, "calculatorlb.default.myfederation.svc.meridian.local", server: address, tcp: true)
        let deadline = ContinuousClock.now + .seconds(30)
        while named.addresses != Set(memberAddresses.values), ContinuousClock.now < deadline {
            usleep(100_000)
            named = try DigClient.query(port: 53, "calculatorlb.default.myfederation.svc.meridian.local", server: address, tcp: true)
        }
        #expect(named.status == "NOERROR")
        #expect(named.addresses == Set(memberAddresses.values), "\(named)")

        // The control plane's state lives on its claim: a new pod has the same federation.
        let firstPod = try seed.kubectl([
            "--context", "westuscluster1", "-n", "federation-system", "get", "pods", "-l", Self.hostSelector, "-o", "name",
        ]).output
        #expect(
            try seed.kubectl(["--context", "westuscluster1", "-n", "federation-system", "delete", "pods", "-l", Self.hostSelector]).status
                == 0)
        try seed.eventually(
            [
                "--context", "westuscluster1", "-n", "federation-system", "get", "pods", "-l", Self.hostSelector, "-o",
                "jsonpath={range .items[*]}{.metadata.name}/{.status.containerStatuses[0].ready} {end}",
            ], timeout: .seconds(60)
        ) {
            $0.output.hasSuffix("/true ") && $0.output.split(separator: " ").count == 1
                && !firstPod.contains($0.output.split(separator: "/")[0])
        }
        try seed.eventually(
            ["get", "deployments", "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.readyReplicas} {end}"], timeout: .seconds(60)
        ) {
            $0.output == "calculator=2 frontend=2 "
        }

        // Running init again changes nothing: same address, same pod, same credentials.
        let pod = try seed.kubectl([
            "--context", "westuscluster1", "-n", "federation-system", "get", "pods", "-l", Self.hostSelector, "-o", "name",
        ]).output
        let again = try seed.meridian(["init", "myfederation", "--host-cluster-context=westuscluster1", "--timeout=60"])
        #expect(again.status == 0, "\(again.error)")
        #expect(again.output.hasSuffix("Federation API server is running at: \(address)\n"))
        #expect(
            try seed.kubectl([
                "--context", "westuscluster1", "-n", "federation-system", "get", "pods", "-l", Self.hostSelector, "-o", "name",
            ]).output == pod)
        #expect(
            try seed.kubectl(["get", "clusters", "-o", "name"]).output
                == "cluster.federation.meridian.dev/eastuscluster1\ncluster.federation.meridian.dev/westuscluster1\n")
    }

    @Test func dryRunPrintsManifestsThatInstallAsTheyAre() throws {
        let seed = try Seed()
        let printed = try seed.meridian(["init", "cdfed", "--host-cluster-context=eastuscluster1", "--dry-run", "-o", "yaml"])
        #expect(printed.status == 0, "\(printed.error)")
        let documents = try printed.output.components(separatedBy: "---\n").map { try YAMLDecoding.decode($0) }
        #expect(
            documents.map { "\($0["kind"].stringValue ?? "")/\($0["metadata"]["name"].stringValue ?? "")" } == [
                "Namespace/federation-system", "ServiceAccount/cdfed-control-plane", "Role/cdfed-control-plane",
                "RoleBinding/cdfed-control-plane",
                "Secret/cdfed-credentials", "PersistentVolumeClaim/cdfed-data", "Deployment/cdfed-control-plane", "Service/cdfed-apiserver",
            ])
        #expect(
            documents[4]["data"].objectValue.map { Set($0.keys) } == [
                "ca.crt", "ca.key", "apiserver.crt", "apiserver.key", "apiserver.hosts", "admin.crt", "admin.key", "sa.key",
            ])
        #expect(documents[6]["spec"]["template"]["spec"]["containers"][0]["args"][0] == "serve")
        // Nothing was created.
        #expect(try seed.kubectl(["--context", "eastuscluster1", "get", "namespace", "federation-system"]).status != 0)
        // Applied as they are (what a CD pipeline does), they run a control plane.
        let applied = try seed.kubectl(["--context", "eastuscluster1", "apply", "-f", "-"], input: printed.output)
        #expect(applied.status == 0, "\(applied.error)")
        try seed.eventually(
            [
                "--context", "eastuscluster1", "-n", "federation-system", "get", "deployment", "cdfed-control-plane", "-o",
                "jsonpath={.status.readyReplicas}",
            ], timeout: .seconds(60)
        ) {
            $0.output == "1"
        }
    }

    @Test func aFailedInitRemovesWhatItCreated() throws {
        let seed = try Seed()
        // A control plane image that is not Meridian's never answers.
        let failed = try seed.meridian(["init", "broken", "--host-cluster-context=eastuscluster1", "--image=nginx", "--timeout=3"])
        #expect(failed.status == 1)
        let message = failed.error.trimmingCharacters(in: .newlines)
        #expect(!message.contains("\n"))
        #expect(message.hasPrefix("meridian: the control plane did not answer at https://127."), "\(message)")
        #expect(message.contains("within 3s") && message.contains("pod broken-control-plane-"), "\(message)")
        let lastLine = String(failed.output.split(separator: "\n").last ?? "")
        #expect(Self.isStep(lastLine, "Waiting for federation control plane to come up", ending: "failed"), "\(failed.output)")
        try seed.eventually(["--context", "eastuscluster1", "get", "namespace", "federation-system"]) { $0.status != 0 }
        for kind in ["deployments", "services", "secrets", "serviceaccounts", "roles", "rolebindings", "persistentvolumeclaims"] {
            let left = try seed.kubectl([
                "--context", "eastuscluster1", "get", kind, "-A", "-l", "app.kubernetes.io/instance=broken", "-o", "name",
            ])
            #expect(left.output == "", "\(kind): \(left.output)")
        }
        #expect(!(try seed.kubectl(["config", "get-contexts", "-o", "name"]).output.contains("broken")))
    }

    @Test func badInvocationsSayWhatIsWrong() throws {
        let seed = try Seed()
        let cases: [([String], String)] = [
            (["init", "fed", "--host-cluster-context=nope"], "meridian: --host-cluster-context nope is not a context of the kubeconfig\n"),
            (
                ["init", "fed", "--host-cluster-context=eastuscluster1", "-o", "yaml"],
                "meridian: --output prints manifests and needs --dry-run (see 'meridian --help')\n"
            ),
            (
                ["init", "Fed_1", "--host-cluster-context=eastuscluster1"],
                "meridian: federation name Fed_1 must be a DNS label of at most 40 characters (see 'meridian --help')\n"
            ),
            (
                ["init", "fed", "--host-cluster-context=eastuscluster1", "--dns-provider=bind"],
                "meridian: --dns-provider bind is not one of builtin, rfc2136, pdns, aws-route53, azure-azuredns (see 'meridian --help')\n"
            ),
        ]
        for (args, want) in cases {
            let r = try seed.meridian(args)
            #expect(r.status != 0)
            #expect(r.error == want)
        }
        #expect(try seed.kubectl(["--context", "eastuscluster1", "get", "namespace", "federation-system"]).status != 0)
    }
}
