import Foundation
import KubeAPI
import Testing

@testable import Sandbox

/// The job controller's arithmetic: counts, outcome, what to start, completedIndexes.
@Suite struct JobProgressTests {
    static let now = Timestamp.parse("2024-01-01T10:00:00Z")!

    static func job(_ spec: JSONValue, status: JSONValue = .emptyObject) -> JSONValue {
        var s = spec
        if s["parallelism"].isNull { s["parallelism"] = 1 }
        if s["backoffLimit"].isNull { s["backoffLimit"] = 6 }
        return ["metadata": ["name": "j", "uid": "u"], "spec": s, "status": status]
    }

    static func pod(_ phase: String, index: Int? = nil, ready: Bool = false) -> JSONValue {
        var p: JSONValue = ["metadata": ["name": .string("p-\(UUID().uuidString.prefix(6))")], "status": ["phase": .string(phase)]]
        if let index { p["metadata"]["annotations"] = [JobProgress.indexAnnotation: .string(String(index))] }
        if ready { p["status"]["conditions"] = [["type": "Ready", "status": "True"]] }
        return p
    }

    @Test func countsAndStartsUpToParallelism() {
        let job = Self.job(["completions": 5, "parallelism": 2])
        let progress = JobProgress(job: job, pods: [Self.pod("Succeeded"), Self.pod("Running", ready: true)], now: Self.now)
        #expect(progress.succeeded == 1 && progress.failed == 0 && progress.active.count == 1 && progress.ready == 1)
        #expect(progress.outcome == .running)
        #expect(progress.podsToStart(job: job, running: 1) == 1)
        // Only as many as completions still need.
        let nearlyDone = JobProgress(job: job, pods: (0..<4).map { _ in Self.pod("Succeeded") }, now: Self.now)
        #expect(nearlyDone.podsToStart(job: job, running: 0) == 1)
    }

    @Test func succeedsAtCompletions() {
        let job = Self.job(["completions": 2])
        #expect(
            JobProgress(job: job, pods: [Self.pod("Succeeded"), Self.pod("Succeeded")], now: Self.now).outcome
                == JobProgress.completionsReached)
    }

    @Test func countsNeverGoDown() {
        let job = Self.job(["completions": 3], status: ["succeeded": 2, "failed": 1])
        let progress = JobProgress(job: job, pods: [], now: Self.now)
        #expect(progress.succeeded == 2 && progress.failed == 1)
    }

    @Test func workQueueJobsFinishWhenAllStopped() {
        let job = Self.job(["parallelism": 3])
        let running = JobProgress(job: job, pods: [Self.pod("Succeeded"), Self.pod("Running")], now: Self.now)
        #expect(running.outcome == .running)
        #expect(running.podsToStart(job: job, running: 1) == 0)
        #expect(
            JobProgress(job: job, pods: [Self.pod("Succeeded"), Self.pod("Succeeded")], now: Self.now).outcome
                == JobProgress.completionsReached)
    }

    @Test func failsPastTheBackoffLimitOrTheDeadline() {
        let limited = Self.job(["completions": 1, "backoffLimit": 1])
        #expect(JobProgress(job: limited, pods: [Self.pod("Failed")], now: Self.now).outcome == .running)
        #expect(
            JobProgress(job: limited, pods: [Self.pod("Failed"), Self.pod("Failed")], now: Self.now).outcome
                == .failed(reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit"))
        let deadline = Self.job(["completions": 1, "activeDeadlineSeconds": 30], status: ["startTime": "2024-01-01T09:59:00Z"])
        #expect(
            JobProgress(job: deadline, pods: [Self.pod("Running")], now: Self.now).outcome
                == .failed(reason: "DeadlineExceeded", message: "Job was active longer than specified deadline"))
    }

    @Test func indexedJobsTrackIndexes() {
        let job = Self.job(["completions": 5, "parallelism": 3, "completionMode": "Indexed"], status: ["completedIndexes": "0"])
        let progress = JobProgress(job: job, pods: [Self.pod("Succeeded", index: 2), Self.pod("Running", index: 1)], now: Self.now)
        #expect(progress.completedIndexes == [0, 2])
        #expect(progress.succeeded == 2)
        #expect(progress.indexesToStart(job: job, running: [1], count: 2) == [3, 4])
    }

    @Test(
        arguments: [
            ("", Set<Int>()), ("0", [0]), ("0-2", [0, 1, 2]), ("1,3-5,7", [1, 3, 4, 5, 7]), ("0,2,4", [0, 2, 4]),
        ] as [(String, Set<Int>)])
    func completedIndexesRoundTrip(_ text: String, _ indexes: Set<Int>) {
        #expect(JobProgress.parseIndexes(text) == indexes)
        #expect(JobProgress.formatIndexes(indexes) == text)
    }

    static func failed(exitCode: Int64, container: String = "main") -> JSONValue {
        var p = pod("Failed")
        p["metadata"]["namespace"] = "default"
        p["status"]["containerStatuses"] = [["name": .string(container), "state": ["terminated": ["exitCode": .int(exitCode)]]]]
        return p
    }

    @Test func podFailurePolicyFailsIgnoresOrCounts() {
        let policy: JSONValue = [
            "rules": [
                ["action": "FailJob", "onExitCodes": ["containerName": "main", "operator": "In", "values": [42]]],
                ["action": "Ignore", "onPodConditions": [["type": "DisruptionTarget"]]],
                ["action": "Ignore", "onExitCodes": ["operator": "In", "values": [3]]],
            ]
        ]
        let job = Self.job(["completions": 1, "backoffLimit": 0, "podFailurePolicy": policy])
        let fatal = Self.failed(exitCode: 42)
        let name = fatal["metadata"]["name"].stringValue ?? ""
        #expect(
            JobProgress(job: job, pods: [fatal], now: Self.now).outcome
                == .failed(
                    reason: "PodFailurePolicy",
                    message: "Container main for pod default/\(name) failed with exit code 42 matching FailJob rule at index 0"))
        // Ignored failures do not count towards the backoff limit.
        var disrupted = Self.failed(exitCode: 1)
        disrupted["status"]["conditions"] = [["type": "DisruptionTarget", "status": "True"]]
        let ignored = JobProgress(job: job, pods: [disrupted, Self.failed(exitCode: 3)], now: Self.now)
        #expect(ignored.failed == 0 && ignored.outcome == .running)
        // Anything else counts: backoffLimit 0 is exceeded by one.
        #expect(
            JobProgress(job: job, pods: [Self.failed(exitCode: 42, container: "side")], now: Self.now).outcome
                == .failed(reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit"))
    }

    @Test func successPolicyCompletesAnIndexedJobEarly() {
        let policy: JSONValue = ["rules": [["succeededIndexes": "0-2", "succeededCount": 2], ["succeededIndexes": "4"]]]
        let job = Self.job(["completions": 5, "parallelism": 5, "completionMode": "Indexed", "successPolicy": policy])
        let one = JobProgress(job: job, pods: [Self.pod("Succeeded", index: 0), Self.pod("Running", index: 1)], now: Self.now)
        #expect(one.outcome == .running)
        let two = JobProgress(job: job, pods: [Self.pod("Succeeded", index: 0), Self.pod("Succeeded", index: 2)], now: Self.now)
        #expect(two.outcome == .succeeded(reason: "SuccessPolicy", message: "Matched rules at index 0"))
        let leader = JobProgress(job: job, pods: [Self.pod("Succeeded", index: 4)], now: Self.now)
        #expect(leader.outcome == .succeeded(reason: "SuccessPolicy", message: "Matched rules at index 1"))
    }
}
