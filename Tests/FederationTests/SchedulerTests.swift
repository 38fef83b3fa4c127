import FederationAPI
import Foundation
import KubeAPI
import KubeClient
import Testing

@testable import Federation

@Suite struct SchedulerTests {
    let now = Date(timeIntervalSince1970: 1_000_000)
    var members: [ClusterCandidate] {
        [
            ClusterCandidate(name: "m1", region: "r1", ready: true), ClusterCandidate(name: "m2", region: "r1", ready: true),
            ClusterCandidate(name: "m3", labels: ["tier": "edge"], region: "r2", ready: true),
        ]
    }

    func policy(
        placement: Placement = Placement(), replicas: ReplicaScheduling = ReplicaScheduling(), failover: Failover = Failover()
    ) -> PlacementPolicy {
        PlacementPolicy(
            name: "p", namespace: "default", resourceSelectors: [ResourceSelector(apiVersion: "apps/v1", kind: "Deployment")],
            placement: placement, replicas: replicas, failover: failover)
    }

    @Test func withoutAPolicyEveryReadyClusterEvenSplit() {
        var clusters = members
        clusters[2].ready = false
        let out = Scheduler.schedule(.init(policy: nil, clusters: clusters, replicas: 3, now: now))
        #expect(out.selected == ["m1", "m2"])
        #expect(out.replicas == ["m1": 2, "m2": 1])
        #expect(out.excluded == ["m3": "not Ready"])
    }

    @Test func weightsTwoToOneOverNamedClusters() {
        let p = policy(
            placement: Placement(clusterNames: ["m1", "m2"]),
            replicas: ReplicaScheduling(weights: [.init(cluster: "m1", weight: 2), .init(cluster: "m2", weight: 1)]))
        let out = Scheduler.schedule(.init(policy: p, clusters: members, replicas: 6, now: now))
        #expect(out.selected == ["m1", "m2"])
        #expect(out.replicas == ["m1": 4, "m2": 2])
        #expect(out.excluded == ["m3": "weight 0"])
    }

    @Test func weightBySelectorAndExclusionReasons() throws {
        let p = policy(
            placement: Placement(excludeClusters: ["m2"]),
            replicas: ReplicaScheduling(weights: [
                .init(clusterSelector: try LabelSelector.parse("tier=edge"), weight: 3), .init(cluster: "m1", weight: 1),
            ]))
        let out = Scheduler.schedule(.init(policy: p, clusters: members, replicas: 8, now: now))
        #expect(out.replicas == ["m1": 2, "m3": 6])
        #expect(out.excluded == ["m2": "weight 0"])
    }

    @Test func clusterSelectorOnRegion() throws {
        let p = policy(placement: Placement(clusterSelector: try LabelSelector.parse("topology.kubernetes.io/region=r1")))
        let out = Scheduler.schedule(.init(policy: p, clusters: members, replicas: 4, now: now))
        #expect(out.selected == ["m1", "m2"])
        #expect(out.excluded == ["m3": "does not match clusterSelector"])
    }

    @Test func spreadByRegionPicksBothRegions() {
        let p = policy(placement: Placement(spread: .init(by: .region, minGroups: 2), maxClusters: 2))
        let out = Scheduler.schedule(.init(policy: p, clusters: members, replicas: 4, now: now))
        #expect(out.selected == ["m1", "m3"])
        #expect(out.excluded == ["m2": "maxClusters (2) reached"])
        #expect(out.replicas == ["m1": 2, "m3": 2])
        let one = policy(placement: Placement(spread: .init(by: .region, minGroups: 1, maxGroups: 1)))
        let single = Scheduler.schedule(.init(policy: one, clusters: members, replicas: 4, now: now))
        #expect(single.selected == ["m1", "m2"])
        #expect(single.excluded == ["m3": "region r2 not chosen (maxGroups 1)"])
        let three = policy(placement: Placement(spread: .init(by: .region, minGroups: 3)))
        #expect(
            Scheduler.schedule(.init(policy: three, clusters: members, replicas: 4, now: now)).error
                == "spread by region needs 3 groups; 2 available (r1, r2)")
    }

    @Test func duplicatedGivesEveryClusterTheTotal() {
        let p = policy(replicas: ReplicaScheduling(mode: .duplicated))
        #expect(Scheduler.schedule(.init(policy: p, clusters: members, replicas: 3, now: now)).replicas == ["m1": 3, "m2": 3, "m3": 3])
    }

    @Test func failoverAfterClusterOfflineSecondsAndReturn() {
        let p = policy(
            placement: Placement(clusterNames: ["m1", "m2"]),
            replicas: ReplicaScheduling(weights: [.init(cluster: "m1", weight: 2), .init(cluster: "m2", weight: 1)]),
            failover: Failover(clusterOfflineSeconds: 5))
        var clusters = members
        clusters[1].ready = false
        clusters[1].offlineSince = now.addingTimeInterval(-3)
        let previous = PlacementRecord(clusters: [
            .init(name: "m1", replicas: 4, state: "Scheduled"), .init(name: "m2", replicas: 2, state: "Scheduled"),
        ])
        let waiting = Scheduler.schedule(.init(policy: p, clusters: clusters, replicas: 6, previous: previous, now: now))
        #expect(waiting.waiting == ["m2"])
        #expect(waiting.replicas == ["m1": 4, "m2": 2])
        #expect(waiting.recheckAfter == 2)
        clusters[1].offlineSince = now.addingTimeInterval(-5)
        let moved = Scheduler.schedule(.init(policy: p, clusters: clusters, replicas: 6, previous: previous, now: now))
        #expect(moved.failedOver == ["m2"])
        #expect(moved.selected == ["m1", "m2"])
        #expect(moved.replicas == ["m1": 6, "m2": 0])
        // Back: Rebalance divides again; Stay keeps the replicas where they went.
        var failedRecord = previous
        failedRecord.failedOver = ["m2"]
        let back = Scheduler.schedule(.init(policy: p, clusters: members, replicas: 6, previous: failedRecord, now: now))
        #expect(back.replicas == ["m1": 4, "m2": 2])
        #expect(back.failedOver.isEmpty)
        var stay = p
        stay.failover.returnPolicy = .stay
        let stayed = Scheduler.schedule(.init(policy: stay, clusters: members, replicas: 6, previous: failedRecord, now: now))
        #expect(stayed.replicas == ["m1": 6, "m2": 0])
        #expect(stayed.failedOver == ["m2"])
    }

    @Test func failoverZeroDisables() {
        let p = policy(failover: Failover(clusterOfflineSeconds: 0))
        var clusters = members
        clusters[0].ready = false
        clusters[0].offlineSince = now.addingTimeInterval(-3600)
        let previous = PlacementRecord(clusters: members.map { .init(name: $0.name, replicas: 2, state: "Scheduled") })
        let out = Scheduler.schedule(.init(policy: p, clusters: clusters, replicas: 6, previous: previous, now: now))
        #expect(out.waiting == ["m1"])
        #expect(out.replicas == ["m1": 2, "m2": 2, "m3": 2])
        #expect(out.recheckAfter == nil)
    }

    @Test func byCapacityDividesByFreeReplicasWithinBounds() {
        let p = policy(replicas: ReplicaScheduling(byCapacity: true, maxPerCluster: 5))
        let out = Scheduler.schedule(.init(policy: p, clusters: members, replicas: 9, now: now, capacity: ["m1": 10, "m2": 0, "m3": 5]))
        #expect(out.replicas == ["m1": 5, "m2": 0, "m3": 4])
    }

    @Test func capacityArithmetic() {
        let node: JSONValue = ["status": ["allocatable": ["cpu": "2", "memory": "4Gi", "pods": "110"]]]
        let pod: JSONValue = [
            "spec": ["containers": [["resources": ["requests": ["cpu": "500m", "memory": "1Gi"]]]]], "status": ["phase": "Running"],
        ]
        let request = Capacity.request(podSpec: ["containers": [["resources": ["requests": ["cpu": "250m"]]]]])
        #expect(Capacity.freeReplicas(nodes: [node], pods: [pod], perReplica: request, ownReplicas: 1) == 7)
    }

    @Test func namespacedPolicyBeatsClusterPolicyPriorityThenAge() {
        let object: JSONValue = ["metadata": ["name": "web", "namespace": "shop", "labels": ["app": "web"]]]
        func make(_ name: String, _ ns: String?, priority: Int64, created: String, selector: ResourceSelector) -> PlacementPolicy {
            PlacementPolicy(name: name, namespace: ns, creationTimestamp: created, resourceSelectors: [selector], priority: priority)
        }
        let byKind = ResourceSelector(apiVersion: "apps/v1", kind: "Deployment")
        let byName = ResourceSelector(apiVersion: "apps/v1", kind: "Deployment", name: "web")
        let cluster = [make("c", nil, priority: 100, created: "2026-01-01T00:00:00Z", selector: byKind)]
        let namespaced = [
            make("old", "shop", priority: 1, created: "2026-01-01T00:00:00Z", selector: byName),
            make("new", "shop", priority: 1, created: "2026-02-01T00:00:00Z", selector: byKind),
            make("other-ns", "other", priority: 9, created: "2025-01-01T00:00:00Z", selector: byKind),
            make("low", "shop", priority: 0, created: "2025-01-01T00:00:00Z", selector: byKind),
            make(
                "services", "shop", priority: 9, created: "2025-01-01T00:00:00Z",
                selector: ResourceSelector(apiVersion: "v1", kind: "Service")),
        ]
        let winner = PolicyMatching.propagationPolicy(for: .deployments, object: object, namespaced: namespaced, cluster: cluster)
        #expect(winner?.name == "old")
        #expect(PolicyMatching.propagationPolicy(for: .deployments, object: object, namespaced: [], cluster: cluster)?.name == "c")
        let labelled = ResourceSelector(labelSelector: try! LabelSelector.parse("app=db"))
        #expect(
            PolicyMatching.propagationPolicy(
                for: .deployments, object: object, namespaced: [], cluster: [make("x", nil, priority: 0, created: "", selector: labelled)])
                == nil)
    }

    /// Offline-since comes from the Cluster's status, so a control-plane restart keeps the clock.
    @Test func offlineSinceIsTheOfflineConditionsTransitionTime() {
        let cluster = Cluster(object: [
            "metadata": ["name": "m2", "labels": ["tier": "gold"]], "spec": ["region": "r1", "zone": "z1"],
            "status": [
                "state": "Offline",
                "conditions": [
                    ["type": "Ready", "status": "False", "lastTransitionTime": "2026-01-01T00:00:09Z"],
                    ["type": "Offline", "status": "True", "lastTransitionTime": "2026-01-01T00:00:10Z"],
                ],
            ],
        ])
        let candidate = ClusterCandidate(cluster)
        #expect(candidate.offlineSince == Timestamp.parse("2026-01-01T00:00:10Z"))
        #expect(candidate.offlineSince != nil)
        #expect(!candidate.ready)
        #expect(
            candidate.labels == [
                "tier": "gold", "topology.kubernetes.io/region": "r1", "topology.kubernetes.io/zone": "z1",
                "federation.meridian.dev/cluster-name": "m2",
            ])
    }

    @Test func placementRecordRoundTrips() {
        var record = PlacementRecord(
            policy: "PropagationPolicy default/web",
            clusters: [.init(name: "m1", replicas: 6, state: "Scheduled"), .init(name: "m2", replicas: 0, state: "FailedOver", message: "gone")],
            excluded: ["m3": "weight 0"], failedOver: ["m2"])
        record.unschedulable = 1
        #expect(PlacementRecord(json: record.json) == record)
        #expect(record.summary == "m1 (6), m2 (0); excluded m3: weight 0; failed over m2; 1 replicas unschedulable (every cluster at maxPerCluster)")
    }
}
