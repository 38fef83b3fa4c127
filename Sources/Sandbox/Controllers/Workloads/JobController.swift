import Foundation
import KubeAPI
import KubeClient
import Logging
import Reconcile
import ServiceLifecycle

/// Jobs, as kube-controller-manager's job controller runs them: pods `<job>-<random>`
/// (Indexed: `<job>-<index>-<random>`) until `completions` succeed, at most `parallelism`
/// at a time; `backoffLimit` failed pods or `activeDeadlineSeconds` fail the job (first
/// `FailureTarget`, then `Failed`), success sets `SuccessCriteriaMet` then `Complete`;
/// `podFailurePolicy` can fail it at once or ignore a failure, an Indexed job's
/// `successPolicy` can complete it early; `suspend` stops the pods.
/// Finished pods are kept. Finished jobs with `ttlSecondsAfterFinished` are deleted when
/// it expires (the ttl-after-finished controller). Failed pods are replaced at once: the
/// real controller's back-off (10 s doubling) would only make a sandbox slow.
struct JobController: Reconciler {
    let context: SandboxContext
    let jobs: Informer
    let pods: Informer
    let events: EventRecorder
    let expectations = PodExpectations()

    static func services(_ context: SandboxContext) -> [any Service] {
        let reconciler = JobController(
            context: context, jobs: context.informers.informer(for: .jobs), pods: context.informers.informer(for: .pods),
            events: context.recorder("job-controller"))
        let controller = Controller(
            name: "job-controller", reconciler: reconciler, informers: [reconciler.jobs, reconciler.pods], workers: 4,
            logger: context.logger)
        let queue = controller.queue
        reconciler.jobs.addHandler { queue.add(ObjectKey($0.object)) }
        reconciler.pods.addHandler { event in
            if let ref = event.object.controllerReference, ref["kind"].stringValue == "Job" {
                queue.add(ObjectKey(namespace: event.object.namespace, name: ref["name"].stringValue ?? ""))
            }
        }
        return [controller]
    }

    func reconcile(_ key: ObjectKey, logger: Logger) async throws -> ReconcileResult {
        guard let job = await jobs.get(namespace: key.namespace, name: key.name) else {
            await expectations.forget(key)
            return .done
        }
        let now = Date()
        if Self.finishedCondition(job) != nil { return try await expireIfDue(job, now: now) }
        if job.isDeleting { return .done }
        let candidates = await pods.claimable(by: job.uid, namespace: key.namespace)
        var owned = candidates.filter { $0.isControlled(by: job) }
        if let selector = job.specSelector, !selector.requirements.isEmpty {
            owned = try await ControllerRefs.claim(candidates, type: .pods, owner: job, selector: selector, client: context.client)
        }
        let nowText = Timestamp.format(now)
        var status = job["status"].objectValue == nil ? JSONValue.emptyObject : job["status"]
        var conditions = status["conditions"].arrayValue ?? []
        let suspended = job["spec"]["suspend"].boolValue == true
        let wasSuspended = job.condition("Suspended")?["status"].stringValue == "True"
        if suspended, !wasSuspended {
            conditions = Self.setCondition(conditions, "Suspended", reason: "JobSuspended", message: "Job suspended", now: nowText)
            await events.record(job, reason: "Suspended", message: "Job suspended")
        } else if !suspended, wasSuspended {
            conditions = Self.setCondition(
                conditions, "Suspended", status: false, reason: "JobResumed", message: "Job resumed", now: nowText)
            status["startTime"] = .string(nowText)  // the deadline counts from the resume
            await events.record(job, reason: "Resumed", message: "Job resumed")
        }
        if !suspended, status["startTime"].isNull { status["startTime"] = .string(nowText) }
        var current = job
        current["status"] = status
        let progress = JobProgress(job: current, pods: owned, now: now)
        var active = progress.active
        var failure: KubeClientError?
        var requeue: Duration?

        switch progress.outcome {
        case .failed(let reason, let message):
            conditions = Self.setCondition(conditions, "FailureTarget", reason: reason, message: message, now: nowText)
            try await delete(active, of: job, key: key)
            active = []
            conditions = Self.setCondition(conditions, "Failed", reason: reason, message: message, now: nowText)
            await events.record(job, type: .warning, reason: reason, message: message)
        case .succeeded(let reason, let message):
            conditions = Self.setCondition(conditions, "SuccessCriteriaMet", reason: reason, message: message, now: nowText)
            try await delete(active, of: job, key: key)
            active = []
            conditions = Self.setCondition(conditions, "Complete", reason: reason, message: message, now: nowText)
            status["completionTime"] = .string(nowText)
            await events.record(job, reason: "Completed", message: "Job completed")
        case .running where suspended:
            try await delete(active, of: job, key: key)
            active = []
        case .running:
            failure = try await manage(job, key: key, progress: progress, owned: owned, active: &active)
            if let deadline = job["spec"]["activeDeadlineSeconds"].intValue,
                let start = status["startTime"].stringValue.flatMap(Timestamp.parse)
            {
                requeue = .milliseconds(max(Int((start.timeIntervalSince(now) + Double(deadline)) * 1000), 0) + 100)
            }
        }

        status["conditions"] = conditions.isEmpty ? .null : .array(conditions)
        status["active"] = active.isEmpty ? .null : .int(Int64(active.count))
        status["ready"] = .int(Int64(active.filter(PodControl.isReady).count))
        status["terminating"] = 0
        status["succeeded"] = progress.succeeded == 0 ? .null : .int(Int64(progress.succeeded))
        status["failed"] = progress.failed == 0 ? .null : .int(Int64(progress.failed))
        if let indexes = progress.completedIndexes {
            let text = JobProgress.formatIndexes(indexes)
            status["completedIndexes"] = text.isEmpty ? .null : .string(text)
        }
        status["uncountedTerminatedPods"] = .emptyObject
        if status != job["status"] {
            var updated = job
            updated["status"] = status
            let written: JSONValue
            do {
                written = try await context.client.update(.jobs, updated, subresource: "status")
            } catch {
                if error.isNotFound { return .done }
                throw error
            }
            if Self.finishedCondition(written) != nil { return try await expireIfDue(written, now: now) }
        }
        if let failure { throw failure }
        return requeue.map { .requeue(after: $0) } ?? .done
    }

    // MARK: pods

    /// Starts missing pods and stops surplus ones; returns a creation failure (recorded).
    private func manage(_ job: JSONValue, key: ObjectKey, progress: JobProgress, owned: [JSONValue], active: inout [JSONValue])
        async throws -> KubeClientError?
    {
        let pending = await expectations.pendingCreations(key, visible: Set(owned.map(\.name)))
        let running = active.count + pending.count
        let parallelism = Int(job["spec"]["parallelism"].intValue ?? 1)
        var wanted = parallelism
        if let completions = job["spec"]["completions"].intValue { wanted = min(parallelism, Int(completions) - progress.succeeded) }
        if active.count > max(wanted, 0) {
            let surplus = Array(PodControl.deletionOrder(active).prefix(active.count - max(wanted, 0)))
            try await delete(surplus, of: job, key: key)
            let gone = Set(surplus.map(\.name))
            active.removeAll { gone.contains($0.name) }
            return nil
        }
        let count = progress.podsToStart(job: job, running: running)
        guard count > 0 else { return nil }
        if JobProgress.isIndexed(job) {
            var busy = Set(active.compactMap(JobProgress.index))
            let prefix = "\(job.name)-"
            for name in pending where name.hasPrefix(prefix) {
                if let i = name.dropFirst(prefix.count).split(separator: "-").first.flatMap({ Int($0) }) { busy.insert(i) }
            }
            for index in progress.indexesToStart(job: job, running: busy, count: count) {
                if let error = await create(job, key: key, index: index) { return error }
            }
        } else {
            for _ in 0..<count {
                if let error = await create(job, key: key, index: nil) { return error }
            }
        }
        return nil
    }

    private func create(_ job: JSONValue, key: ObjectKey, index: Int?) async -> KubeClientError? {
        var pod = PodControl.pod(from: job["spec"]["template"], owner: job, generateName: "\(job.name)-")
        if let index {
            let text = JSONValue.string(String(index))
            pod["metadata"]["generateName"] = .string("\(job.name)-\(index)-")
            pod["metadata"]["annotations"][JobProgress.indexAnnotation] = text
            pod["metadata"]["labels"][JobProgress.indexAnnotation] = text
            pod["spec"]["hostname"] = .string("\(job.name)-\(index)")
            let env: JSONValue = [
                "name": "JOB_COMPLETION_INDEX",
                "valueFrom": ["fieldRef": ["fieldPath": .string("metadata.annotations['\(JobProgress.indexAnnotation)']")]],
            ]
            let containers = (pod["spec"]["containers"].arrayValue ?? []).map { container -> JSONValue in
                var c = container
                c["env"] = .array((c["env"].arrayValue ?? []) + [env])
                return c
            }
            pod["spec"]["containers"] = .array(containers)
        }
        do {
            let created = try await context.client.create(.pods, namespace: job.namespace, pod)
            await expectations.created(key, pod: created.name)
            await events.record(job, reason: "SuccessfulCreate", message: "Created pod: \(created.name)")
            return nil
        } catch {
            await events.record(job, type: .warning, reason: "FailedCreate", message: "Error creating: \(error)")
            return error
        }
    }

    private func delete(_ victims: [JSONValue], of job: JSONValue, key: ObjectKey) async throws {
        try await PodControl.delete(victims, of: job, key: key, client: context.client, expectations: expectations, events: events)
    }

    // MARK: finished jobs

    /// `Complete` or `Failed`, when true.
    static func finishedCondition(_ job: JSONValue) -> JSONValue? {
        for type in ["Complete", "Failed"] {
            if let c = job.condition(type), c["status"].stringValue == "True" { return c }
        }
        return nil
    }

    /// The ttl-after-finished controller: deletes the job, in the foreground (its pods go
    /// first, through the garbage collector), once `ttlSecondsAfterFinished` have passed
    /// since it finished.
    private func expireIfDue(_ job: JSONValue, now: Date) async throws -> ReconcileResult {
        guard let ttl = job["spec"]["ttlSecondsAfterFinished"].intValue, !job.isDeleting else { return .done }
        let finished =
            job["status"]["completionTime"].stringValue.flatMap(Timestamp.parse)
            ?? Self.finishedCondition(job)?["lastTransitionTime"].stringValue.flatMap(Timestamp.parse) ?? now
        let remaining = finished.addingTimeInterval(Double(ttl)).timeIntervalSince(now)
        if remaining > 0 { return .requeue(after: .milliseconds(Int(remaining * 1000) + 100)) }
        try await context.client.deleteIfExists(
            .jobs, namespace: job.namespace, name: job.name,
            options: DeleteOptions(propagationPolicy: .foreground, preconditionUID: job.uid))
        return .done
    }

    /// Job conditions carry lastProbeTime as well as lastTransitionTime.
    static func setCondition(
        _ conditions: [JSONValue], _ type: String, status: Bool = true, reason: String, message: String, now: String
    ) -> [JSONValue] {
        var list = Conditions.set(conditions, type: type, status: status, reason: reason, message: message, now: now)
        if let i = list.firstIndex(where: { $0["type"].stringValue == type }) { list[i]["lastProbeTime"] = .string(now) }
        return list
    }
}
