import Foundation
import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle

/// CronJobs: a Job `<cronjob>-<minutes since epoch>` per schedule time (the latest one
/// when several were missed, none past `startingDeadlineSeconds`), with
/// `concurrencyPolicy` Allow/Forbid/Replace, `suspend`, the history limits and status
/// lastScheduleTime/lastSuccessfulTime/active. Each pass requeues itself for the next
/// schedule time; nothing polls.
struct CronJobController: Reconciler {
    let context: SandboxContext
    let cronJobs: Informer
    let jobs: Informer
    let events: EventRecorder
    /// The wall clock (injectable for tests).
    let now: @Sendable () -> Date

    static func services(_ context: SandboxContext) -> [any Service] {
        let reconciler = CronJobController(
            context: context, cronJobs: context.informers.informer(for: .cronJobs), jobs: context.informers.informer(for: .jobs),
            events: context.recorder("cronjob-controller"), now: { Date() })
        let controller = Controller(
            name: "cronjob-controller", reconciler: reconciler, informers: [reconciler.cronJobs, reconciler.jobs], workers: 2,
            logger: context.logger)
        let queue = controller.queue
        reconciler.cronJobs.addHandler { queue.add(ObjectKey($0.object)) }
        reconciler.jobs.addHandler { event in
            if let ref = event.object.controllerReference, ref["kind"].stringValue == "CronJob" {
                queue.add(ObjectKey(namespace: event.object.namespace, name: ref["name"].stringValue ?? ""))
            }
        }
        return [controller]
    }

    func reconcile(_ key: ObjectKey, logger: Logger) async throws -> ReconcileResult {
        guard let cronJob = await cronJobs.get(namespace: key.namespace, name: key.name), !cronJob.isDeleting else { return .done }
        let now = self.now()
        let owned = await jobs.controlled(by: cronJob.uid).filter { $0.namespace == key.namespace }
        var status = cronJob["status"].objectValue == nil ? JSONValue.emptyObject : cronJob["status"]
        var active = try await syncActive(cronJob, owned: owned, status: &status)
        try await cleanUpHistory(cronJob, owned: owned)

        var result = ReconcileResult.done
        if cronJob["spec"]["suspend"].boolValue != true {
            do {
                let (schedule, zone) = try CronJobPlan.schedule(of: cronJob)
                let decision = CronJobPlan.decide(cronJob, schedule: schedule, timeZone: zone, activeJobs: active.count, now: now)
                let next = try await carryOut(decision, cronJob: cronJob, zone: zone, active: &active, status: &status)
                if let next { result = .requeue(after: .milliseconds(max(Int(next.timeIntervalSince(now) * 1000), 0) + 100)) }
            } catch let error as CronJobPlan.ScheduleError {
                switch error {
                case .unparseable(let schedule, let reason):
                    await events.record(
                        cronJob, type: .warning, reason: "UnparseableSchedule", message: "unparseable schedule: \"\(schedule)\" : \(reason)"
                    )
                case .unknownTimeZone(let zone):
                    await events.record(cronJob, type: .warning, reason: "UnknownTimeZone", message: "invalid timeZone: \"\(zone)\"")
                }
            }
        }
        status["active"] = active.isEmpty ? .null : .array(active)
        if status != cronJob["status"] {
            var updated = cronJob
            updated["status"] = status
            do {
                _ = try await context.client.update(.cronJobs, updated, subresource: "status")
            } catch {
                if error.isNotFound { return .done }
                throw error
            }
        }
        return result
    }

    /// Acts on the decision; returns when to look again.
    private func carryOut(
        _ decision: CronJobPlan.Decision, cronJob: JSONValue, zone: TimeZone, active: inout [JSONValue], status: inout JSONValue
    ) async throws -> Date? {
        switch decision {
        case .wait(let next):
            return next
        case .missedDeadline(let scheduled, let next):
            await events.record(
                cronJob, type: .warning, reason: "MissSchedule",
                message: "Missed scheduled time to start a job: \(CronJobPlan.rfc3339(scheduled, in: TimeZone(identifier: "UTC")!))")
            return next
        case .forbidden(_, let next):
            await events.record(
                cronJob, reason: "JobAlreadyActive",
                message: "Not starting job because prior execution is running and concurrency policy is Forbid")
            return next
        case .start(let scheduled, let next, let tooManyMissed):
            if tooManyMissed {
                await events.record(
                    cronJob, type: .warning, reason: "TooManyMissedTimes",
                    message: "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew")
            }
            if cronJob["spec"]["concurrencyPolicy"].stringValue == "Replace" {
                for ref in active {
                    let name = ref["name"].stringValue ?? ""
                    try await context.client.deleteIfExists(
                        .jobs, namespace: cronJob.namespace, name: name,
                        options: DeleteOptions(propagationPolicy: .background, preconditionUID: ref["uid"].stringValue))
                    await events.record(cronJob, reason: "SuccessfulDelete", message: "Deleted job \(name)")
                }
                active = []
            }
            let job = CronJobPlan.newJob(cronJob, scheduled: scheduled, timeZone: zone)
            var created: JSONValue
            do {
                created = try await context.client.create(.jobs, namespace: cronJob.namespace, job)
                await events.record(cronJob, reason: "SuccessfulCreate", message: "Created job \(created.name)")
            } catch {
                guard error.isAlreadyExists else {
                    await events.record(cronJob, type: .warning, reason: "FailedCreate", message: "Error creating job: \(error)")
                    throw error
                }
                // Made by an earlier pass whose status write was lost: adopt it as the job for this time.
                created = try await context.client.get(.jobs, namespace: cronJob.namespace, name: job.name)
                guard created.isControlled(by: cronJob) else { return next }
            }
            if CronJobPlan.finishedCondition(created) == nil, !active.contains(where: { $0["uid"].stringValue == created.uid }) {
                active.append(CronJobPlan.reference(created))
            }
            status["lastScheduleTime"] = .string(Timestamp.format(scheduled))
            return next
        }
    }

    /// `status.active` without jobs that finished or vanished, with running jobs it missed;
    /// lastSuccessfulTime from the latest completed job.
    private func syncActive(_ cronJob: JSONValue, owned: [JSONValue], status: inout JSONValue) async throws -> [JSONValue] {
        let byUID = Dictionary(owned.map { ($0.uid, $0) }, uniquingKeysWith: { a, _ in a })
        var active: [JSONValue] = []
        for ref in status["active"].arrayValue ?? [] {
            let uid = ref["uid"].stringValue ?? ""
            guard let job = byUID[uid] else {
                // Not in the cache: gone, unless the cache is behind.
                if try await context.client.getIfExists(.jobs, namespace: cronJob.namespace, name: ref["name"].stringValue ?? "")?.uid
                    == uid
                {
                    active.append(ref)
                } else {
                    await events.record(cronJob, reason: "MissingJob", message: "Active job went missing: \(ref["name"].stringValue ?? "")")
                }
                continue
            }
            if let condition = CronJobPlan.finishedCondition(job) {
                await events.record(cronJob, reason: "SawCompletedJob", message: "Saw completed job: \(job.name), condition: \(condition)")
            } else {
                active.append(ref)
            }
        }
        for job in owned where CronJobPlan.finishedCondition(job) == nil && !job.isDeleting {
            if !active.contains(where: { $0["uid"].stringValue == job.uid }) { active.append(CronJobPlan.reference(job)) }
        }
        let completions = owned.filter { CronJobPlan.finishedCondition($0) == "Complete" }.compactMap {
            $0["status"]["completionTime"].stringValue.flatMap(Timestamp.parse)
        }
        let previous = status["lastSuccessfulTime"].stringValue.flatMap(Timestamp.parse)
        if let latest = (completions + [previous].compactMap { $0 }).max() {
            status["lastSuccessfulTime"] = .string(Timestamp.format(latest))
        }
        return active
    }

    private func cleanUpHistory(_ cronJob: JSONValue, owned: [JSONValue]) async throws {
        let victims = CronJobPlan.historyToDelete(
            owned.filter { !$0.isDeleting }, successfulLimit: Int(cronJob["spec"]["successfulJobsHistoryLimit"].intValue ?? 3),
            failedLimit: Int(cronJob["spec"]["failedJobsHistoryLimit"].intValue ?? 1))
        for job in victims {
            try await context.client.deleteIfExists(
                .jobs, namespace: job.namespace, name: job.name,
                options: DeleteOptions(propagationPolicy: .background, preconditionUID: job.uid))
            await events.record(cronJob, reason: "SuccessfulDelete", message: "Deleted job \(job.name)")
        }
    }
}
