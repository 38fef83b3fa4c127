import Foundation
import KubeAPI
import Testing

/// The sandbox's StatefulSet controller through kubectl: ordered creation and removal,
/// claims from volumeClaimTemplates, revisions, rolling updates with a partition, Parallel.
@Suite struct StatefulSetControllerTests {
    static func statefulSet(
        replicas: Int, policy: String = "OrderedReady", image: String = "nginx:1.25", retention: String = "Retain",
        readyDelay: Int = 0, strategy: String = "RollingUpdate"
    ) -> String {
        """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: web}
        spec:
          serviceName: nginx
          replicas: \(replicas)
          podManagementPolicy: \(policy)
          updateStrategy: {type: \(strategy)}
          persistentVolumeClaimRetentionPolicy: {whenScaled: \(retention), whenDeleted: Retain}
          selector: {matchLabels: {app: nginx}}
          template:
            metadata: {labels: {app: nginx}}
            spec:
              containers:
              - name: nginx
                image: \(image)
                \(readyDelay > 0 ? "readinessProbe: {initialDelaySeconds: \(readyDelay), httpGet: {path: /, port: 80}}" : "")
          volumeClaimTemplates:
          - metadata: {name: www}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 1Gi}}
        """
    }

    /// The pods of set `web` by name, from one LIST.
    static func podsByName(_ sandbox: MeridianProcess) throws -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for pod in try sandbox.json(["pods", "-l", "app=nginx"]).sortedItems { out[pod["metadata"]["name"].stringValue ?? ""] = pod }
        return out
    }

    static func isReady(_ pod: JSONValue?) -> Bool {
        (pod?["status"]["conditions"].arrayValue ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" }
    }

    @Test func orderedCreationClaimsAndScaleDownFromTheTop() throws {
        let sandbox = try MeridianProcess.sandbox(name: "sts-ordered")
        try sandbox.apply(Self.statefulSet(replicas: 3, readyDelay: 1))
        // Every snapshot: web-N exists only once web-(N-1) is ready.
        let deadline = ContinuousClock.now + .seconds(60)
        var snapshots = 0
        while ContinuousClock.now < deadline {
            let pods = try Self.podsByName(sandbox)
            snapshots += 1
            for k in 1..<3 where pods["web-\(k)"] != nil {
                #expect(Self.isReady(pods["web-\(k - 1)"]), "web-\(k) exists before web-\(k - 1) is ready")
            }
            if pods.count == 3, (0..<3).allSatisfy({ Self.isReady(pods["web-\($0)"]) }) { break }
            usleep(100_000)
        }
        let rollout = try sandbox.kubectl(["rollout", "status", "sts/web", "--timeout=60s"])
        #expect(rollout.status == 0, "\(rollout.error)")
        // The API defaults `rollingUpdate.partition: 0`, so kubectl reports a partitioned roll out, as on a real cluster.
        #expect(rollout.output.contains("partitioned roll out complete: 3 new pods have been updated..."), "\(rollout.output)")

        let set = try sandbox.json(["sts", "web"])
        let status = set["status"]
        let revision = status["updateRevision"].stringValue ?? ""
        #expect(revision.hasPrefix("web-"))
        #expect(status["currentRevision"].stringValue == revision)
        #expect(status["replicas"] == 3 && status["readyReplicas"] == 3 && status["availableReplicas"] == 3)
        #expect(status["currentReplicas"] == 3 && status["updatedReplicas"] == 3)
        #expect(status["observedGeneration"] == set["metadata"]["generation"])
        #expect(status["collisionCount"] == 0)

        let pods = try Self.podsByName(sandbox)
        #expect(pods.keys.sorted() == ["web-0", "web-1", "web-2"])
        for i in 0..<3 {
            let pod = pods["web-\(i)"] ?? .null
            let labels = pod["metadata"]["labels"]
            #expect(labels["statefulset.kubernetes.io/pod-name"].stringValue == "web-\(i)")
            #expect(labels["apps.kubernetes.io/pod-index"].stringValue == String(i))
            #expect(labels["controller-revision-hash"].stringValue == revision)
            #expect(pod["spec"]["hostname"].stringValue == "web-\(i)")
            #expect(pod["spec"]["subdomain"] == "nginx")
            let volume = (pod["spec"]["volumes"].arrayValue ?? []).first { $0["name"] == "www" }
            #expect(volume?["persistentVolumeClaim"]["claimName"].stringValue == "www-web-\(i)")
        }
        let claims = try sandbox.json(["pvc"]).sortedItems
        #expect(claims.map { $0["metadata"]["name"].stringValue ?? "" } == ["www-web-0", "www-web-1", "www-web-2"])
        #expect(claims.allSatisfy { $0["status"]["phase"] == "Bound" && $0["metadata"]["labels"]["app"] == "nginx" })
        #expect(claims.allSatisfy { $0["status"]["capacity"]["storage"] == "1Gi" })

        let revisions = try sandbox.json(["controllerrevisions"]).sortedItems
        #expect(revisions.count == 1)
        #expect(revisions.first?["metadata"]["name"].stringValue == revision)
        #expect(revisions.first?["revision"] == 1)

        let events = try sandbox.events(about: "StatefulSet", "web").map(\.message)
        for i in 0..<3 {
            #expect(events.contains("create Pod web-\(i) in StatefulSet web successful"))
            #expect(events.contains("create Claim www-web-\(i) Pod web-\(i) in StatefulSet web success"))
        }

        // Scale down: the highest ordinal goes first; claims stay.
        #expect(try sandbox.kubectl(["scale", "sts/web", "--replicas=1"]).status == 0)
        let scaleDeadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < scaleDeadline {
            let pods = try Self.podsByName(sandbox)
            if pods["web-1"] == nil { #expect(pods["web-2"] == nil, "web-1 removed before web-2") }
            if pods.keys.sorted() == ["web-0"] { break }
            usleep(50_000)
        }
        try sandbox.eventually(["sts", "web"]) { $0["status"]["replicas"] == 1 && $0["status"]["readyReplicas"] == 1 }
        #expect(try Self.podsByName(sandbox).keys.sorted() == ["web-0"])
        #expect(try sandbox.json(["pvc"]).itemNames == ["www-web-0", "www-web-1", "www-web-2"])
        let deletes = try sandbox.events(about: "StatefulSet", "web").map(\.message)
        #expect(deletes.contains("delete Pod web-2 in StatefulSet web successful"))
        #expect(deletes.contains("delete Pod web-1 in StatefulSet web successful"))
    }

    @Test func rollingUpdateGoesFromTheHighestOrdinalAndRespectsThePartition() throws {
        let sandbox = try MeridianProcess.sandbox(name: "sts-rolling")
        try sandbox.apply(Self.statefulSet(replicas: 3))
        #expect(try sandbox.kubectl(["rollout", "status", "sts/web", "--timeout=60s"]).status == 0)
        let first = try sandbox.json(["sts", "web"])["status"]["updateRevision"].stringValue ?? ""

        // A partition of 2 updates web-2 only.
        let patch = #"{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}}}}"#
        #expect(try sandbox.kubectl(["patch", "sts", "web", "--type=merge", "-p", patch]).status == 0)
        #expect(try sandbox.kubectl(["set", "image", "sts/web", "nginx=nginx:1.26"]).status == 0)
        let partial = try sandbox.kubectl(["rollout", "status", "sts/web", "--timeout=60s"])
        #expect(partial.status == 0, "\(partial.error)")
        #expect(partial.output.contains("partitioned roll out complete: 1 new pods have been updated"), "\(partial.output)")
        let second = try sandbox.json(["sts", "web"])["status"]["updateRevision"].stringValue ?? ""
        #expect(second != first)
        var pods = try Self.podsByName(sandbox)
        #expect(pods["web-2"]?["spec"]["containers"][0]["image"] == "nginx:1.26")
        #expect(pods["web-1"]?["metadata"]["labels"]["controller-revision-hash"].stringValue == first)
        #expect(pods["web-0"]?["spec"]["containers"][0]["image"] == "nginx:1.25")

        // Partition 0: the rest follow, from web-1 down to web-0.
        #expect(
            try sandbox.kubectl([
                "patch", "sts", "web", "--type=merge", "-p", #"{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}"#,
            ])
            .status == 0)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            pods = try Self.podsByName(sandbox)
            let revs = (0..<3).map { pods["web-\($0)"]?["metadata"]["labels"]["controller-revision-hash"].stringValue }
            if revs[0] == second { #expect(revs[1] == second, "web-0 updated before web-1") }
            if revs.allSatisfy({ $0 == second }) { break }
            usleep(50_000)
        }
        let rollout = try sandbox.kubectl(["rollout", "status", "sts/web", "--timeout=60s"])
        #expect(rollout.output.contains("partitioned roll out complete: 3 new pods have been updated..."), "\(rollout.output)")
        let status = try sandbox.json(["sts", "web"])["status"]
        #expect(status["currentRevision"].stringValue == second)
        let revisions = try sandbox.json(["controllerrevisions"]).sortedItems
        #expect(revisions.count == 2)
        #expect(revisions.first { $0["metadata"]["name"].stringValue == second }?["revision"] == 2)
    }

    @Test func parallelPolicyAndClaimsDeletedOnScaleDown() throws {
        let sandbox = try MeridianProcess.sandbox(name: "sts-parallel")
        try sandbox.apply(Self.statefulSet(replicas: 3, policy: "Parallel", retention: "Delete"))
        try sandbox.eventually(["sts", "web"]) { $0["status"]["readyReplicas"] == 3 }
        #expect(try sandbox.json(["pvc"]).itemNames == ["www-web-0", "www-web-1", "www-web-2"])
        #expect(try sandbox.kubectl(["scale", "sts/web", "--replicas=1"]).status == 0)
        try sandbox.eventually(["pvc"]) { $0.itemNames == ["www-web-0"] }
        try sandbox.eventually(["sts", "web"]) { $0["status"]["replicas"] == 1 }
        #expect(try Self.podsByName(sandbox).keys.sorted() == ["web-0"])
    }

    @Test func onDeleteReplacesOnlyDeletedPods() throws {
        let sandbox = try MeridianProcess.sandbox(name: "sts-ondelete")
        try sandbox.apply(Self.statefulSet(replicas: 2, strategy: "OnDelete"))
        try sandbox.eventually(["sts", "web"]) { $0["status"]["readyReplicas"] == 2 }
        let status = try sandbox.kubectl(["rollout", "status", "sts/web", "--timeout=5s"])
        #expect(status.status != 0 && status.error.contains("rollout status is only available for RollingUpdate strategy type"))
        #expect(try sandbox.kubectl(["set", "image", "sts/web", "nginx=nginx:1.26"]).status == 0)
        let set = try sandbox.eventually(["sts", "web"]) {
            $0["status"]["observedGeneration"] == $0["metadata"]["generation"]
                && $0["status"]["updateRevision"] != $0["status"]["currentRevision"]
        }
        let old = set["status"]["currentRevision"].stringValue ?? ""
        let new = set["status"]["updateRevision"].stringValue ?? ""
        var pods = try Self.podsByName(sandbox)
        #expect(pods.values.allSatisfy { $0["metadata"]["labels"]["controller-revision-hash"].stringValue == old })
        #expect(set["status"]["updatedReplicas"].isNull && set["status"]["currentReplicas"] == 2)

        // Without waiting: kubectl's wait for deletion can miss it when the controller
        // recreates the pod between kubectl's GET and its watch (then it waits forever).
        let replaced = pods["web-1"]?["metadata"]["uid"]
        #expect(try sandbox.kubectl(["delete", "pod", "web-1", "--wait=false"]).status == 0)
        try sandbox.eventually(["pod", "web-1"]) { $0["metadata"]["uid"] != replaced && !$0["metadata"]["uid"].isNull }
        try sandbox.eventually(["sts", "web"]) { $0["status"]["updatedReplicas"] == 1 && $0["status"]["readyReplicas"] == 2 }
        pods = try Self.podsByName(sandbox)
        #expect(pods["web-1"]?["spec"]["containers"][0]["image"] == "nginx:1.26")
        #expect(pods["web-1"]?["metadata"]["labels"]["controller-revision-hash"].stringValue == new)
        #expect(pods["web-0"]?["spec"]["containers"][0]["image"] == "nginx:1.25")
    }

    @Test func recreatedSetAdoptsOrphanedPods() throws {
        let sandbox = try MeridianProcess.sandbox(name: "sts-adopt")
        try sandbox.apply(Self.statefulSet(replicas: 2, policy: "Parallel"))
        try sandbox.eventually(["sts", "web"]) { $0["status"]["readyReplicas"] == 2 }
        let before = try Self.podsByName(sandbox).mapValues { $0["metadata"]["uid"].stringValue ?? "" }
        let orphan = try sandbox.kubectl(["delete", "sts", "web", "--cascade=orphan"])
        #expect(orphan.status == 0, "\(orphan.error)")
        try sandbox.eventually(["pods", "-l", "app=nginx"]) { list in
            list.sortedItems.allSatisfy { ($0["metadata"]["ownerReferences"].arrayValue ?? []).isEmpty }
        }
        try sandbox.apply(Self.statefulSet(replicas: 2, policy: "Parallel"))
        let uid = try sandbox.eventually(["sts", "web"]) { $0["status"]["readyReplicas"] == 2 }["metadata"]["uid"]
        let pods = try sandbox.eventually(["pods", "-l", "app=nginx"]) { list in
            list.sortedItems.allSatisfy { $0["metadata"]["ownerReferences"][0]["uid"] == uid }
        }
        #expect(pods.sortedItems.count == 2)
        #expect(
            Dictionary(
                uniqueKeysWithValues: pods.sortedItems.map {
                    ($0["metadata"]["name"].stringValue ?? "", $0["metadata"]["uid"].stringValue ?? "")
                }) == before)
    }
}
