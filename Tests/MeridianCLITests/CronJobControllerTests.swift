import Foundation
import KubeAPI
import Testing

/// The sandbox's CronJob controller through kubectl. Waiting for a real schedule time
/// would take up to a minute, so the test does what a controller restart after downtime
/// looks like: `status.lastScheduleTime` minutes in the past, so the latest missed time
/// (the start of the current minute) is due at once. The schedule arithmetic itself is
/// unit-tested (CronScheduleTests, CronJobPlanTests).
@Suite struct CronJobControllerTests {
    @Test func missedScheduleStartsAJobNamedByItsMinuteAndTracksIt() throws {
        let sandbox = try MeridianProcess.sandbox(name: "cronjob-run", extra: ["--job-duration-seconds", "0.2"])
        try sandbox.apply(
            """
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: hello}
            spec:
              schedule: "*/1 * * * *"
              suspend: true
              jobTemplate:
                metadata: {labels: {team: data}}
                spec:
                  template:
                    spec:
                      restartPolicy: OnFailure
                      containers: [{name: hello, image: busybox}]
            """)
        let past = Timestamp.format(Date().addingTimeInterval(-300))
        let status = try sandbox.kubectl([
            "patch", "cronjob", "hello", "--subresource=status", "--type=merge", "-p", #"{"status":{"lastScheduleTime":"\#(past)"}}"#,
        ])
        #expect(status.status == 0, "\(status.error)")
        // Suspended: nothing starts.
        #expect(try sandbox.json(["jobs"])["items"].arrayValue?.isEmpty == true)
        #expect(try sandbox.kubectl(["patch", "cronjob", "hello", "--type=merge", "-p", #"{"spec":{"suspend":false}}"#]).status == 0)

        let jobs = try sandbox.eventually(["jobs"]) { ($0["items"].arrayValue ?? []).count == 1 }
        let job = jobs.sortedItems[0]
        let name = job["metadata"]["name"].stringValue ?? ""
        let minutes = Int64(name.dropFirst("hello-".count)) ?? 0
        let scheduled = Date(timeIntervalSince1970: Double(minutes * 60))
        #expect(name.hasPrefix("hello-") && abs(scheduled.timeIntervalSinceNow) < 120, "job \(name)")
        #expect(
            job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"].stringValue == Timestamp.format(scheduled))
        #expect(job["metadata"]["labels"]["team"] == "data")
        #expect(job["metadata"]["ownerReferences"][0]["kind"] == "CronJob")

        let cronJob = try sandbox.eventually(["cronjob", "hello"]) {
            $0["status"]["active"].isNull && !$0["status"]["lastSuccessfulTime"].isNull
        }
        // The job's minute, or the next one if the clock crossed a minute meanwhile (`*/1` fires again).
        let last = cronJob["status"]["lastScheduleTime"].stringValue.flatMap(Timestamp.parse)
        #expect(last.map { [0, 60].contains($0.timeIntervalSince(scheduled)) } == true, "lastScheduleTime \(String(describing: last))")
        #expect(try sandbox.json(["job", name]).conditionStatus("Complete") == "True")
        let events = try sandbox.events(about: "CronJob", "hello")
        #expect(events.contains { $0.reason == "SuccessfulCreate" && $0.message == "Created job \(name)" })
        #expect(events.contains { $0.reason == "SawCompletedJob" && $0.message == "Saw completed job: \(name), condition: Complete" })
        // Only one job for the missed minutes, and none again for the same minute.
        #expect(try sandbox.json(["jobs"])["items"].arrayValue?.count ?? 0 <= 2)

        // `kubectl create job --from` makes a job of the template, which the job controller runs.
        #expect(try sandbox.kubectl(["create", "job", "manual", "--from=cronjob/hello"]).status == 0)
        let wait = try sandbox.kubectl(["wait", "--for=condition=complete", "job/manual", "--timeout=30s"])
        #expect(wait.status == 0, "\(wait.error)")
    }

    @Test func unparseableScheduleIsReported() throws {
        let sandbox = try MeridianProcess.sandbox(name: "cronjob-bad")
        try sandbox.apply(
            """
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: broken}
            spec:
              schedule: "0 25 * * *"
              jobTemplate:
                spec:
                  template:
                    spec:
                      restartPolicy: Never
                      containers: [{name: c, image: busybox}]
            """)
        try sandbox.kubectlEventually(["get", "events", "--field-selector", "involvedObject.name=broken"]) {
            $0.output.contains("UnparseableSchedule")
        }
        #expect(try sandbox.json(["jobs"])["items"].arrayValue?.isEmpty == true)
    }
}
