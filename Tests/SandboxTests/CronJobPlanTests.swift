import Foundation
import KubeAPI
import Testing

@testable import Sandbox

/// The CronJob controller's decisions at fixed instants.
@Suite struct CronJobPlanTests {
    static func date(_ text: String) -> Date { Timestamp.parse(text)! }
    static let utc = TimeZone(identifier: "UTC")!

    static func cronJob(
        schedule: String = "* * * * *", created: String = "2024-01-01T10:00:30Z", lastSchedule: String? = nil, policy: String = "Allow",
        deadline: Int? = nil, timeZone: String? = nil
    ) -> JSONValue {
        var cj: JSONValue = [
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": ["name": "report", "namespace": "default", "uid": "cj-uid", "creationTimestamp": .string(created)],
            "spec": [
                "schedule": .string(schedule), "concurrencyPolicy": .string(policy),
                "jobTemplate": [
                    "metadata": ["labels": ["team": "data"], "annotations": ["owner": "ops"]],
                    "spec": ["template": ["spec": ["restartPolicy": "OnFailure", "containers": [["name": "c", "image": "busybox"]]]]],
                ],
            ],
        ]
        if let lastSchedule { cj["status"]["lastScheduleTime"] = .string(lastSchedule) }
        if let deadline { cj["spec"]["startingDeadlineSeconds"] = .int(Int64(deadline)) }
        if let timeZone { cj["spec"]["timeZone"] = .string(timeZone) }
        return cj
    }

    static func decide(_ cj: JSONValue, active: Int = 0, now: String) throws -> CronJobPlan.Decision {
        let (schedule, zone) = try CronJobPlan.schedule(of: cj)
        return CronJobPlan.decide(cj, schedule: schedule, timeZone: zone, activeJobs: active, now: date(now))
    }

    @Test func waitsForTheFirstTimeAfterCreation() throws {
        #expect(try Self.decide(Self.cronJob(), now: "2024-01-01T10:00:45Z") == .wait(next: Self.date("2024-01-01T10:01:00Z")))
    }

    @Test func startsWhenATimeHasPassed() throws {
        #expect(
            try Self.decide(Self.cronJob(), now: "2024-01-01T10:01:05Z")
                == .start(scheduled: Self.date("2024-01-01T10:01:00Z"), next: Self.date("2024-01-01T10:02:00Z"), tooManyMissed: false))
    }

    @Test func doesNotStartTheSameTimeTwice() throws {
        let cj = Self.cronJob(lastSchedule: "2024-01-01T10:01:00Z")
        #expect(try Self.decide(cj, now: "2024-01-01T10:01:30Z") == .wait(next: Self.date("2024-01-01T10:02:00Z")))
    }

    @Test func startsOnlyTheLatestOfSeveralMissedTimes() throws {
        let cj = Self.cronJob(schedule: "*/10 * * * *", lastSchedule: "2024-01-01T10:00:00Z")
        #expect(
            try Self.decide(cj, now: "2024-01-01T10:35:00Z")
                == .start(scheduled: Self.date("2024-01-01T10:30:00Z"), next: Self.date("2024-01-01T10:40:00Z"), tooManyMissed: false))
    }

    @Test func reportsTooManyMissedTimes() throws {
        let cj = Self.cronJob(lastSchedule: "2023-12-01T00:00:00Z")
        #expect(
            try Self.decide(cj, now: "2024-01-01T10:01:05Z")
                == .start(scheduled: Self.date("2024-01-01T10:01:00Z"), next: Self.date("2024-01-01T10:02:00Z"), tooManyMissed: true))
    }

    @Test func startingDeadlineSkipsTimesTooLongAgo() throws {
        let cj = Self.cronJob(schedule: "0 * * * *", created: "2024-01-01T09:00:00Z", deadline: 30)
        // 10:00 was missed by more than 30 s: nothing starts, the next is 11:00.
        #expect(try Self.decide(cj, now: "2024-01-01T10:01:00Z") == .wait(next: Self.date("2024-01-01T11:00:00Z")))
        // Within the deadline it starts.
        #expect(
            try Self.decide(cj, now: "2024-01-01T10:00:20Z")
                == .start(scheduled: Self.date("2024-01-01T10:00:00Z"), next: Self.date("2024-01-01T11:00:00Z"), tooManyMissed: false))
    }

    @Test func forbidWaitsForTheActiveJob() throws {
        let cj = Self.cronJob(policy: "Forbid")
        #expect(
            try Self.decide(cj, active: 1, now: "2024-01-01T10:01:05Z")
                == .forbidden(scheduled: Self.date("2024-01-01T10:01:00Z"), next: Self.date("2024-01-01T10:02:00Z")))
        #expect(
            try Self.decide(Self.cronJob(policy: "Allow"), active: 1, now: "2024-01-01T10:01:05Z")
                == .start(scheduled: Self.date("2024-01-01T10:01:00Z"), next: Self.date("2024-01-01T10:02:00Z"), tooManyMissed: false))
    }

    @Test func timeZoneShiftsTheSchedule() throws {
        let cj = Self.cronJob(schedule: "0 9 * * *", created: "2024-07-01T00:00:00Z", timeZone: "Europe/Berlin")
        #expect(try Self.decide(cj, now: "2024-07-01T06:59:00Z") == .wait(next: Self.date("2024-07-01T07:00:00Z")))
        #expect(
            try Self.decide(cj, now: "2024-07-01T07:00:01Z")
                == .start(scheduled: Self.date("2024-07-01T07:00:00Z"), next: Self.date("2024-07-02T07:00:00Z"), tooManyMissed: false))
    }

    @Test func badSchedulesAndZonesAreErrors() {
        #expect(throws: CronJobPlan.ScheduleError.self) { try CronJobPlan.schedule(of: Self.cronJob(schedule: "61 * * * *")) }
        #expect(throws: CronJobPlan.ScheduleError.unknownTimeZone("Mars/Olympus")) {
            try CronJobPlan.schedule(of: Self.cronJob(timeZone: "Mars/Olympus"))
        }
    }

    @Test func jobsAreNamedByTheScheduledMinuteAndCarryTheTemplate() {
        let cj = Self.cronJob(timeZone: "Europe/Berlin")
        let scheduled = Self.date("2024-01-15T10:01:00Z")
        #expect(CronJobPlan.jobName(cj, scheduled: scheduled) == "report-28421881")
        let job = CronJobPlan.newJob(cj, scheduled: scheduled, timeZone: TimeZone(identifier: "Europe/Berlin")!)
        #expect(job["metadata"]["name"] == "report-28421881")
        #expect(job["metadata"]["labels"]["team"] == "data")
        #expect(job["metadata"]["annotations"]["owner"] == "ops")
        #expect(job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == "2024-01-15T11:01:00+01:00")
        #expect(job["metadata"]["ownerReferences"][0]["kind"] == "CronJob")
        #expect(job["metadata"]["ownerReferences"][0]["controller"] == true)
        #expect(job["spec"]["template"]["spec"]["restartPolicy"] == "OnFailure")
        #expect(CronJobPlan.rfc3339(scheduled, in: Self.utc) == "2024-01-15T10:01:00Z")
        #expect(CronJobPlan.rfc3339(scheduled, in: TimeZone(identifier: "America/St_Johns")!) == "2024-01-15T06:31:00-03:30")
    }

    @Test func historyKeepsTheNewestFinishedJobs() {
        func job(_ name: String, _ condition: String?, started: String) -> JSONValue {
            var j: JSONValue = ["metadata": ["name": .string(name)], "status": ["startTime": .string(started)]]
            if let condition { j["status"]["conditions"] = [["type": .string(condition), "status": "True"]] }
            return j
        }
        let jobs = [
            job("ok-1", "Complete", started: "2024-01-01T10:01:00Z"), job("ok-2", "Complete", started: "2024-01-01T10:02:00Z"),
            job("ok-3", "Complete", started: "2024-01-01T10:03:00Z"), job("ok-4", "Complete", started: "2024-01-01T10:04:00Z"),
            job("bad-1", "Failed", started: "2024-01-01T10:05:00Z"), job("bad-2", "Failed", started: "2024-01-01T10:06:00Z"),
            job("running", nil, started: "2024-01-01T09:00:00Z"),
        ]
        let victims = CronJobPlan.historyToDelete(jobs, successfulLimit: 3, failedLimit: 1).map(\.name)
        #expect(victims == ["ok-1", "bad-1"])
        #expect(
            CronJobPlan.historyToDelete(jobs, successfulLimit: 0, failedLimit: 0).map(\.name) == [
                "ok-1", "ok-2", "ok-3", "ok-4", "bad-1", "bad-2",
            ])
    }
}
