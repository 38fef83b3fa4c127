import Foundation
import KubeAPI
import Testing

/// Pods of Meridian's own image run as real processes in a sandbox: this is what lets
/// `meridian init` install a control plane into one.
@Suite struct ProcessPodTests {
    static let apiserverPod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: inner, labels: {app: inner}}
        spec:
          containers:
          - name: api
            image: ghcr.io/meridian-dev/meridian:0.1
            args: ["apiserver", "--data-dir", "/var/lib/meridian", "--port", "6443", "--bind-address", "$(POD_IP)"]
            env:
            - name: POD_IP
              valueFrom: {fieldRef: {fieldPath: status.podIP}}
            ports: [{containerPort: 6443, name: https}]
            readinessProbe: {tcpSocket: {port: https}, periodSeconds: 2}
            volumeMounts: [{name: data, mountPath: /var/lib/meridian}]
          volumes: [{name: data, emptyDir: {}}]
        """

    @Test func aMeridianPodRunsServesLogsAndStops() throws {
        let sandbox = try MeridianProcess.sandbox(name: "procs")
        #expect(try sandbox.kubectl(["apply", "-f", "-"], input: Self.apiserverPod).status == 0)
        let ready = try sandbox.kubectlEventually([
            "get", "pod", "inner", "-o", "jsonpath={.status.phase} {.status.containerStatuses[0].ready}",
        ]) {
            $0.output == "Running true"
        }
        #expect(ready.output == "Running true")
        let ip = try sandbox.kubectl(["get", "pod", "inner", "-o", "jsonpath={.status.podIP}"]).output
        #expect(ip.hasPrefix("127."))
        // The process really listens on the pod's IP and port.
        let probe = try run("/usr/bin/curl", ["-sk", "--max-time", "5", "https://\(ip):6443/readyz"])
        #expect(probe.output == "ok")
        let logs = try sandbox.kubectl(["logs", "inner"])
        #expect(logs.output.contains("listening on \(ip):6443"), "\(logs.output)")
        // Its data directory is the pod's emptyDir volume.
        let podDirs = try FileManager.default.contentsOfDirectory(atPath: sandbox.dataDir.appendingPathComponent("pods").path)
        #expect(podDirs.count == 1)
        let volume = sandbox.dataDir.appendingPathComponent("pods/\(podDirs[0])/volumes/data/store.db").path
        #expect(FileManager.default.fileExists(atPath: volume))

        #expect(try sandbox.kubectl(["delete", "pod", "inner", "--timeout=30s"]).status == 0)
        let refused = try run("/usr/bin/curl", ["-sk", "--max-time", "5", "https://\(ip):6443/readyz"])
        #expect(refused.status == 7, "curl exit \(refused.status): the process should be gone")
    }

    @Test func aCrashingContainerIsRestartedWithBackoff() throws {
        let sandbox = try MeridianProcess.sandbox(name: "crash")
        let pod = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"crasher"},
             "spec":{"containers":[{"name":"c","image":"ghcr.io/meridian-dev/meridian","args":["no-such-command"]}]}}
            """
        #expect(try sandbox.kubectl(["create", "-f", "-"], input: pod).status == 0)
        let restarted = try sandbox.kubectlEventually(
            [
                "get", "pod", "crasher", "-o",
                "jsonpath={.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].lastState.terminated.exitCode}",
            ],
            timeout: .seconds(30)
        ) { r in (Int(r.output.split(separator: " ").first ?? "") ?? 0) >= 1 && r.output.hasSuffix(" 64") }
        #expect(restarted.status == 0)
        let logs = try sandbox.kubectl(["logs", "crasher"])
        #expect(logs.output.contains("no-such-command"), "\(logs.output)")
    }

    @Test func aLoadBalancerForwardsToTheProcess() throws {
        let sandbox = try MeridianProcess.sandbox(name: "procs-lb")
        #expect(try sandbox.kubectl(["apply", "-f", "-"], input: Self.apiserverPod).status == 0)
        let service = """
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"inner"},
             "spec":{"type":"LoadBalancer","selector":{"app":"inner"},"ports":[{"name":"https","port":443,"targetPort":"https"}]}}
            """
        #expect(try sandbox.kubectl(["create", "-f", "-"], input: service).status == 0)
        let ingress = try sandbox.kubectlEventually(["get", "service", "inner", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}"]) {
            !$0.output.isEmpty
        }
        // The control plane inside the pod answers through the load balancer's address.
        let deadline = ContinuousClock.now + .seconds(30)
        var answer = try run("/usr/bin/curl", ["-sk", "--max-time", "5", "https://\(ingress.output):443/readyz"])
        while answer.output != "ok", ContinuousClock.now < deadline {
            usleep(100_000)
            answer = try run("/usr/bin/curl", ["-sk", "--max-time", "5", "https://\(ingress.output):443/readyz"])
        }
        #expect(answer.output == "ok")
        let version = try run("/usr/bin/curl", ["-sk", "--max-time", "5", "https://\(ingress.output):443/version"])
        #expect(version.output.contains("\"gitVersion\""))
    }
}
