import Foundation
import KubeAPI
import Testing

/// The sandbox's job controller through kubectl: pod names and labels, parallelism and
/// completions, Indexed jobs, backoffLimit, activeDeadlineSeconds, suspend, TTL.
@Suite struct JobControllerTests {
    static func job(_ name: String, spec: String, podAnnotations: String = "{}") -> String {
        """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: \(name)}
        spec:
          \(spec)
          template:
            metadata: {annotations: \(podAnnotations)}
            spec:
              restartPolicy: Never
              containers: [{name: work, image: busybox}]
        """
    }

    @Test func completionsAndParallelismRunToComplete() throws {
        let sandbox = try MeridianProcess.sandbox(name: "job-complete", extra: ["--job-duration-seconds", "0.2"])
        try sandbox.apply(Self.job("pi", spec: "completions: 3\n  parallelism: 2"))
        let wait = try sandbox.kubectl(["wait", "--for=condition=complete", "job/pi", "--timeout=60s"])
        #expect(wait.status == 0, "\(wait.error)")
        #expect(wait.output.contains("job.batch/pi condition met"))

        let job = try sandbox.json(["job", "pi"])
        let status = job["status"]
        #expect(status["succeeded"] == 3)
        #expect(status["failed"].isNull)
        #expect(status["active"].isNull)
        #expect(status["ready"] == 0)
        #expect(status["uncountedTerminatedPods"] == .emptyObject)
        #expect(status["startTime"].stringValue != nil)
        #expect(status["completionTime"].stringValue != nil)
        #expect(job.conditionStatus("SuccessCriteriaMet") == "True")
        #expect(job.conditionStatus("Complete") == "True")
        let complete = (status["conditions"].arrayValue ?? []).first { $0["type"] == "Complete" }
        #expect(complete?["reason"] == "CompletionsReached")
        #expect(complete?["message"] == "Reached expected number of succeeded pods")

        let uid = job["metadata"]["uid"].stringValue ?? ""
        #expect(job["spec"]["selector"]["matchLabels"]["batch.kubernetes.io/controller-uid"].stringValue == uid)
        let pods = try sandbox.json(["pods", "-l", "job-name=pi"]).sortedItems
        #expect(pods.count == 3)
        for pod in pods {
            let name = pod["metadata"]["name"].stringValue ?? ""
            #expect(hasRandomSuffix(name, prefix: "pi"), "pod name \(name)")
            #expect(pod["status"]["phase"] == "Succeeded")
            let labels = pod["metadata"]["labels"]
            #expect(labels["batch.kubernetes.io/controller-uid"].stringValue == uid)
            #expect(labels["controller-uid"].stringValue == uid)
            #expect(labels["batch.kubernetes.io/job-name"] == "pi")
            #expect(labels["job-name"] == "pi")
            #expect(pod["metadata"]["ownerReferences"][0]["kind"] == "Job")
            #expect(pod["metadata"]["ownerReferences"][0]["controller"] == true)
        }
        let events = try sandbox.events(about: "Job", "pi")
        let created = events.filter { $0.reason == "SuccessfulCreate" }.map(\.message).sorted()
        #expect(created == pods.map { "Created pod: \($0["metadata"]["name"].stringValue ?? "")" }.sorted())
        #expect(events.contains { $0.reason == "Completed" && $0.message == "Job completed" })

        let table = try sandbox.kubectl(["get", "job", "pi", "--no-headers"])
        #expect(table.output.contains("Complete") && table.output.contains("3/3"), "\(table.output)")
    }

    @Test func failingPodsExceedTheBackoffLimit() throws {
        let sandbox = try MeridianProcess.sandbox(name: "job-backoff", extra: ["--job-duration-seconds", "0.2"])
        try sandbox.apply(Self.job("doomed", spec: "backoffLimit: 1", podAnnotations: "{sandbox.meridian.dev/exit-code: \"1\"}"))
        let job = try sandbox.eventually(["job", "doomed"]) { $0.conditionStatus("Failed") == "True" }
        #expect(job.conditionStatus("FailureTarget") == "True")
        #expect(job.conditionStatus("Complete") == nil)
        let failed = (job["status"]["conditions"].arrayValue ?? []).first { $0["type"] == "Failed" }
        #expect(failed?["reason"] == "BackoffLimitExceeded")
        #expect(failed?["message"] == "Job has reached the specified backoff limit")
        #expect(job["status"]["failed"] == 2)
        #expect(job["status"]["succeeded"].isNull)
        #expect(job["status"]["completionTime"].isNull)
        let pods = try sandbox.json(["pods", "-l", "job-name=doomed"]).sortedItems
        #expect(pods.count == 2)
        #expect(pods.allSatisfy { $0["status"]["phase"] == "Failed" })
        let events = try sandbox.events(about: "Job", "doomed")
        #expect(events.contains { $0.reason == "BackoffLimitExceeded" && $0.message == "Job has reached the specified backoff limit" })
        let wait = try sandbox.kubectl(["wait", "--for=condition=failed", "job/doomed", "--timeout=10s"])
        #expect(wait.status == 0, "\(wait.error)")
    }

    @Test func indexedJobNamesPodsByIndex() throws {
        let sandbox = try MeridianProcess.sandbox(name: "job-indexed", extra: ["--job-duration-seconds", "0.2"])
        try sandbox.apply(Self.job("idx", spec: "completions: 3\n  parallelism: 3\n  completionMode: Indexed"))
        let job = try sandbox.eventually(["job", "idx"]) { $0.conditionStatus("Complete") == "True" }
        #expect(job["status"]["succeeded"] == 3)
        #expect(job["status"]["completedIndexes"] == "0-2")
        let pods = try sandbox.json(["pods", "-l", "job-name=idx"]).sortedItems
        #expect(pods.count == 3)
        for (i, pod) in pods.enumerated() {
            let name = pod["metadata"]["name"].stringValue ?? ""
            #expect(hasRandomSuffix(name, prefix: "idx-\(i)"), "pod name \(name)")
            #expect(pod["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"].stringValue == String(i))
            #expect(pod["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"].stringValue == String(i))
            #expect(pod["spec"]["hostname"].stringValue == "idx-\(i)")
        }
    }

    @Test func activeDeadlineFailsARunningJob() throws {
        let sandbox = try MeridianProcess.sandbox(name: "job-deadline")
        try sandbox.apply(
            Self.job("slow", spec: "activeDeadlineSeconds: 1", podAnnotations: "{sandbox.meridian.dev/run-seconds: \"300\"}"))
        let job = try sandbox.eventually(["job", "slow"]) { $0.conditionStatus("Failed") == "True" }
        let failed = (job["status"]["conditions"].arrayValue ?? []).first { $0["type"] == "Failed" }
        #expect(failed?["reason"] == "DeadlineExceeded")
        #expect(failed?["message"] == "Job was active longer than specified deadline")
        #expect(job["status"]["active"].isNull)
        try sandbox.eventually(["pods", "-l", "job-name=slow"]) { ($0["items"].arrayValue ?? []).isEmpty }
        #expect(try sandbox.events(about: "Job", "slow").contains { $0.reason == "DeadlineExceeded" })
    }

    @Test func suspendedJobStartsNothingUntilResumed() throws {
        let sandbox = try MeridianProcess.sandbox(name: "job-suspend", extra: ["--job-duration-seconds", "0.2"])
        try sandbox.apply(Self.job("later", spec: "suspend: true"))
        let job = try sandbox.eventually(["job", "later"]) { $0.conditionStatus("Suspended") == "True" }
        #expect(job["status"]["startTime"].isNull)
        #expect(try sandbox.json(["pods", "-l", "job-name=later"])["items"].arrayValue?.isEmpty == true)
        let patch = try sandbox.kubectl(["patch", "job", "later", "--type=merge", "-p", #"{"spec":{"suspend":false}}"#])
        #expect(patch.status == 0, "\(patch.error)")
        let done = try sandbox.eventually(["job", "later"]) { $0.conditionStatus("Complete") == "True" }
        #expect(done.conditionStatus("Suspended") == "False")
        #expect(done["status"]["succeeded"] == 1)
        let reasons = try sandbox.events(about: "Job", "later").map(\.reason)
        #expect(reasons.contains("Suspended") && reasons.contains("Resumed"))
    }

    @Test func finishedJobIsDeletedAfterItsTTL() throws {
        let sandbox = try MeridianProcess.sandbox(name: "job-ttl", extra: ["--job-duration-seconds", "0.2"])
        try sandbox.apply(Self.job("brief", spec: "ttlSecondsAfterFinished: 1"))
        try sandbox.kubectlEventually(["get", "job", "brief"]) { $0.status != 0 && $0.error.contains("NotFound") }
        #expect(try sandbox.json(["pods", "-l", "job-name=brief"])["items"].arrayValue?.isEmpty == true)
        // It did finish first.
        #expect(try sandbox.events(about: "Job", "brief").contains { $0.reason == "Completed" })
    }

    @Test func podFailurePolicyFailsTheJobOnAMatchingExitCode() throws {
        let sandbox = try MeridianProcess.sandbox(name: "job-policy", extra: ["--job-duration-seconds", "0.2"])
        try sandbox.apply(
            Self.job(
                "strict", spec: "podFailurePolicy: {rules: [{action: FailJob, onExitCodes: {operator: In, values: [1]}}]}",
                podAnnotations: "{sandbox.meridian.dev/exit-code: \"1\"}"))
        let job = try sandbox.eventually(["job", "strict"]) { $0.conditionStatus("Failed") == "True" }
        let failed = (job["status"]["conditions"].arrayValue ?? []).first { $0["type"] == "Failed" }
        #expect(failed?["reason"] == "PodFailurePolicy")
        let pod = try sandbox.json(["pods", "-l", "job-name=strict"]).sortedItems
        #expect(pod.count == 1)
        let podName = pod.first?["metadata"]["name"].stringValue ?? ""
        #expect(
            failed?["message"].stringValue
                == "Container work for pod default/\(podName) failed with exit code 1 matching FailJob rule at index 0")
        #expect(job["status"]["failed"] == 1)
    }
}
