import KubeAPI
import KubeClient
import Testing

@testable import Federation

@Suite struct StatusAggregationTests {
    func job(_ status: JSONValue) -> JSONValue {
        ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "batch"], "status": status]
    }

    func condition(_ type: String, at time: String, reason: String? = nil) -> JSONValue {
        var condition: JSONValue = ["type": .string(type), "status": "True", "lastTransitionTime": .string(time)]
        if let reason { condition["reason"] = .string(reason) }
        return condition
    }

    @Test func aJobIsCompleteOnceEveryCopyIs() throws {
        let done = job([
            "succeeded": 3, "startTime": "2026-11-26T05:00:02Z", "completionTime": "2026-11-26T05:00:09Z",
            "conditions": [condition("Complete", at: "2026-11-26T05:00:09Z")],
        ])
        let running = job(["active": 1, "succeeded": 1, "startTime": "2026-11-26T05:00:01Z"])
        let partial = try #require(StatusAggregation.aggregate(.jobs, object: job(.null), copies: ["a": done, "b": running]))
        #expect(partial["succeeded"] == 4)
        #expect(partial["active"] == 1)
        #expect(partial["startTime"] == "2026-11-26T05:00:01Z")
        #expect(partial["conditions"].isNull)
        #expect(partial["completionTime"].isNull)

        let doneToo = job([
            "succeeded": 2, "startTime": "2026-11-26T05:00:01Z", "completionTime": "2026-11-26T05:00:07Z",
            "conditions": [condition("Complete", at: "2026-11-26T05:00:07Z")],
        ])
        let complete = try #require(StatusAggregation.aggregate(.jobs, object: job(.null), copies: ["a": done, "b": doneToo]))
        #expect(complete["succeeded"] == 5)
        #expect(complete["active"].isNull)
        #expect(complete["completionTime"] == "2026-11-26T05:00:09Z")
        #expect(
            complete["conditions"]
                == [
                    [
                        "type": "Complete", "status": "True", "lastProbeTime": "2026-11-26T05:00:09Z",
                        "lastTransitionTime": "2026-11-26T05:00:09Z",
                    ]
                ])
    }

    @Test func oneFailedCopyFailsTheFederatedJob() throws {
        let done = job(["succeeded": 2, "conditions": [condition("Complete", at: "2026-11-26T05:00:09Z")]])
        let failed = job(["failed": 7, "conditions": [condition("Failed", at: "2026-11-26T05:00:05Z", reason: "BackoffLimitExceeded")]])
        let status = try #require(StatusAggregation.aggregate(.jobs, object: job(.null), copies: ["a": done, "b": failed]))
        #expect(status["failed"] == 7)
        #expect(status["conditions"][0]["type"] == "Failed")
        #expect(status["conditions"][0]["reason"] == "BackoffLimitExceeded")
        #expect(status["completionTime"].isNull)
    }

    @Test func replicaSetsSumTheirReplicaCounts() throws {
        let copy: (Int64, Int64) -> JSONValue = { replicas, ready in
            ["status": ["replicas": .int(replicas), "readyReplicas": .int(ready), "availableReplicas": .int(ready)]]
        }
        let status = try #require(
            StatusAggregation.aggregate(.replicaSets, object: ["spec": ["replicas": 3]], copies: ["a": copy(2, 2), "b": copy(1, 0)]))
        #expect(status == ["replicas": 3, "readyReplicas": 2, "availableReplicas": 2])
    }

    @Test func jobCompletionsFollowTheParallelismShares() {
        let object: JSONValue = ["spec": ["parallelism": 3, "completions": 5]]
        #expect(PropagatedTypes.completionShares(.jobs, object, parallelism: ["east": 2, "west": 1]) == ["east": 3, "west": 2])
        // Work-queue Jobs leave completions unset, and so do their copies.
        #expect(PropagatedTypes.completionShares(.jobs, ["spec": ["parallelism": 3]], parallelism: ["east": 2, "west": 1]) == nil)
        #expect(PropagatedTypes.completionShares(.deployments, object, parallelism: ["east": 2]) == nil)
        #expect(PropagatedTypes.completionShares(.jobs, object, parallelism: ["east": 1, "west": 0]) == ["east": 5, "west": 0])
    }
}
