import Foundation
import KubeAPI

/// The CronJob controller's decisions, as kube-controller-manager's (cronjob v2) makes
/// them, with the clock passed in so unit tests can drive them.
enum CronJobPlan {
    static let scheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp"

    enum Decision: Equatable {
        /// Nothing is due; look again at `next`.
        case wait(next: Date?)
        /// Start the job for `scheduled` (the latest missed time, when several were missed).
        case start(scheduled: Date, next: Date?, tooManyMissed: Bool)
        /// `startingDeadlineSeconds` passed before the job could start.
        case missedDeadline(scheduled: Date, next: Date?)
        /// Due, but `concurrencyPolicy: Forbid` and a job is still running.
        case forbidden(scheduled: Date, next: Date?)
    }

    enum ScheduleError: Error, Equatable {
        case unparseable(schedule: String, reason: String)
        case unknownTimeZone(String)
    }

    /// The parsed schedule and its time zone (`spec.timeZone`, else the controller
    /// manager's, which the sandbox takes to be UTC as most clusters run).
    static func schedule(of cronJob: JSONValue) throws(ScheduleError) -> (CronSchedule, TimeZone) {
        let text = cronJob["spec"]["schedule"].stringValue ?? ""
        var zone = TimeZone(identifier: "UTC")!
        if let name = cronJob["spec"]["timeZone"].stringValue {
            guard let tz = TimeZone(identifier: name) else { throw .unknownTimeZone(name) }
            zone = tz
        }
        do {
            return (try CronSchedule(parsing: text), zone)
        } catch {
            throw .unparseable(schedule: text, reason: error.description)
        }
    }

    static func decide(_ cronJob: JSONValue, schedule: CronSchedule, timeZone: TimeZone, activeJobs: Int, now: Date) -> Decision {
        let spec = cronJob["spec"]
        var earliest =
            cronJob["status"]["lastScheduleTime"].stringValue.flatMap(Timestamp.parse)
            ?? cronJob["metadata"]["creationTimestamp"].stringValue.flatMap(Timestamp.parse) ?? now
        let deadline = spec["startingDeadlineSeconds"].intValue.map(Double.init)
        if let deadline { earliest = max(earliest, now.addingTimeInterval(-deadline)) }
        let next = schedule.next(after: now, in: timeZone)
        let (latest, count) = schedule.mostRecent(after: earliest, notAfter: now, in: timeZone)
        guard let scheduled = latest else { return .wait(next: next) }
        if let deadline, scheduled.addingTimeInterval(deadline) < now { return .missedDeadline(scheduled: scheduled, next: next) }
        if spec["concurrencyPolicy"].stringValue == "Forbid", activeJobs > 0 { return .forbidden(scheduled: scheduled, next: next) }
        return .start(scheduled: scheduled, next: next, tooManyMissed: count > 100)
    }

    /// `<cronjob>-<scheduled time in minutes since the epoch>`.
    static func jobName(_ cronJob: JSONValue, scheduled: Date) -> String {
        "\(cronJob.name)-\(Int64(scheduled.timeIntervalSince1970) / 60)"
    }

    static func newJob(_ cronJob: JSONValue, scheduled: Date, timeZone: TimeZone) -> JSONValue {
        let template = cronJob["spec"]["jobTemplate"]
        var metadata: JSONValue = [
            "name": .string(jobName(cronJob, scheduled: scheduled)), "namespace": .string(cronJob.namespace),
            "ownerReferences": [cronJob.ownerReference()],
        ]
        metadata["labels"] = template["metadata"]["labels"]
        var annotations = template["metadata"]["annotations"].objectValue ?? [:]
        annotations[scheduledTimestampAnnotation] = .string(rfc3339(scheduled, in: timeZone))
        metadata["annotations"] = .object(annotations)
        return ["apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": template["spec"]]
    }

    /// Go's `time.RFC3339` in a zone: `2024-01-15T11:01:00+01:00`, `Z` for UTC.
    static func rfc3339(_ date: Date, in timeZone: TimeZone) -> String {
        let offset = timeZone.secondsFromGMT(for: date)
        let local = Timestamp.format(date.addingTimeInterval(Double(offset)))
        guard offset != 0 else { return local }
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
        return String(local.dropLast()) + "\(sign)\(two(minutes / 60)):\(two(minutes % 60))"
    }

    /// "Complete" or "Failed" once a job finished.
    static func finishedCondition(_ job: JSONValue) -> String? {
        for type in ["Complete", "Failed"] where job.condition(type)?["status"].stringValue == "True" { return type }
        return nil
    }

    /// The finished jobs beyond the history limits, oldest first.
    static func historyToDelete(_ jobs: [JSONValue], successfulLimit: Int, failedLimit: Int) -> [JSONValue] {
        func started(_ job: JSONValue) -> String {
            job["status"]["startTime"].stringValue ?? job["metadata"]["creationTimestamp"].stringValue ?? ""
        }
        var victims: [JSONValue] = []
        for (type, limit) in [("Complete", successfulLimit), ("Failed", failedLimit)] {
            let finished = jobs.filter { finishedCondition($0) == type }.sorted { (started($0), $0.name) < (started($1), $1.name) }
            if finished.count > limit { victims += finished.prefix(finished.count - max(limit, 0)) }
        }
        return victims
    }

    /// The object reference `status.active` lists.
    static func reference(_ job: JSONValue) -> JSONValue {
        [
            "apiVersion": "batch/v1", "kind": "Job", "name": .string(job.name), "namespace": .string(job.namespace),
            "uid": .string(job.uid), "resourceVersion": job["metadata"]["resourceVersion"],
        ]
    }
}
