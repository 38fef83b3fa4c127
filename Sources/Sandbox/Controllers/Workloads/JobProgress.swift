import Foundation
import KubeAPI

/// Where a Job stands, from the Job and the pods it controls: the counts its status
/// reports, which pods to start next and whether it has succeeded or failed. Pure, so the
/// job controller's decisions can be unit-tested.
///
/// The real controller counts finished pods exactly once through a pod finalizer and
/// `status.uncountedTerminatedPods`; here finished pods are kept and counted as they are
/// seen, and the counts never go down (deleting a finished pod does not undo it).
struct JobProgress {
    static let indexAnnotation = "batch.kubernetes.io/job-completion-index"

    enum Outcome: Equatable {
        case running
        case succeeded(reason: String, message: String)
        case failed(reason: String, message: String)
    }

    var active: [JSONValue]
    var ready: Int
    var succeeded: Int
    var failed: Int
    /// Indexed jobs: the indexes that have a succeeded pod.
    var completedIndexes: Set<Int>?
    /// What the pods add up to; `.running` while the job may still start pods.
    var outcome: Outcome

    init(job: JSONValue, pods: [JSONValue], now: Date) {
        let spec = job["spec"]
        let status = job["status"]
        active = pods.filter(PodControl.isActive)
        ready = active.filter(PodControl.isReady).count
        let succeededPods = pods.filter { $0["status"]["phase"].stringValue == "Succeeded" }
        let failedPods = pods.filter { $0["status"]["phase"].stringValue == "Failed" }
        var counted = 0
        var failJob: String?
        for pod in failedPods {
            switch PodFailurePolicy.action(for: pod, job: job) {
            case .failJob(let message):
                failJob = failJob ?? message
                counted += 1
            case .ignore: break
            case .count: counted += 1
            }
        }
        failed = max(Int(status["failed"].intValue ?? 0), counted)
        let completions = spec["completions"].intValue.map(Int.init)
        if Self.isIndexed(job), let completions {
            var done = Self.parseIndexes(status["completedIndexes"].stringValue ?? "")
            for pod in succeededPods { if let i = Self.index(of: pod) { done.insert(i) } }
            done = done.filter { $0 < completions }
            completedIndexes = done
            succeeded = done.count
        } else {
            succeeded = max(Int(status["succeeded"].intValue ?? 0), succeededPods.count)
        }
        outcome = .running
        if let failJob {
            outcome = .failed(reason: "PodFailurePolicy", message: failJob)
        } else if failed > Int(spec["backoffLimit"].intValue ?? 6) {
            outcome = .failed(reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit")
        } else if let deadline = spec["activeDeadlineSeconds"].intValue,
            let start = status["startTime"].stringValue.flatMap(Timestamp.parse),
            now.timeIntervalSince(start) >= Double(deadline)
        {
            outcome = .failed(reason: "DeadlineExceeded", message: "Job was active longer than specified deadline")
        } else if let rule = Self.matchedSuccessRule(job, completed: completedIndexes ?? []) {
            outcome = .succeeded(reason: "SuccessPolicy", message: "Matched rules at index \(rule)")
        } else if let completions {
            if succeeded >= completions { outcome = Self.completionsReached }
        } else if succeeded > 0, active.isEmpty {
            // A work-queue job (no completions) is done once a pod succeeded and the rest stopped.
            outcome = Self.completionsReached
        }
    }

    static let completionsReached = Outcome.succeeded(reason: "CompletionsReached", message: "Reached expected number of succeeded pods")

    /// Indexed jobs' `spec.successPolicy`: the first rule whose `succeededIndexes` (all
    /// indexes when omitted) have at least `succeededCount` (all of them when omitted) done.
    static func matchedSuccessRule(_ job: JSONValue, completed: Set<Int>) -> Int? {
        guard isIndexed(job), let rules = job["spec"]["successPolicy"]["rules"].arrayValue else { return nil }
        let completions = Int(job["spec"]["completions"].intValue ?? 0)
        for (index, rule) in rules.enumerated() {
            let indexes = rule["succeededIndexes"].stringValue.map(parseIndexes) ?? Set(0..<max(completions, 0))
            let needed = rule["succeededCount"].intValue.map(Int.init) ?? indexes.count
            if needed > 0, completed.intersection(indexes).count >= needed { return index }
        }
        return nil
    }

    static func isIndexed(_ job: JSONValue) -> Bool { job["spec"]["completionMode"].stringValue == "Indexed" }

    static func index(of pod: JSONValue) -> Int? { pod.annotations[indexAnnotation].flatMap { Int($0) } }

    /// How many pods should run now besides the `running` ones (those active or being created).
    func podsToStart(job: JSONValue, running: Int) -> Int {
        guard outcome == .running else { return 0 }
        let completions = job["spec"]["completions"].intValue.map(Int.init)
        // A work-queue job starts nothing once one pod succeeded.
        if completions == nil, succeeded > 0 { return 0 }
        let parallelism = Int(job["spec"]["parallelism"].intValue ?? 1)
        var wanted = parallelism
        if let completions {
            wanted = min(parallelism, completions - succeeded)
        }
        return max(wanted - running, 0)
    }

    /// Indexed jobs: the lowest indexes neither completed nor running, up to `count`.
    func indexesToStart(job: JSONValue, running: Set<Int>, count: Int) -> [Int] {
        let completions = Int(job["spec"]["completions"].intValue ?? 0)
        let done = completedIndexes ?? []
        return Array((0..<max(completions, 0)).lazy.filter { !done.contains($0) && !running.contains($0) }.prefix(count))
    }

    // MARK: completedIndexes

    /// "1,3-5,7" → {1, 3, 4, 5, 7}; garbage is ignored.
    static func parseIndexes(_ text: String) -> Set<Int> {
        var out = Set<Int>()
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", maxSplits: 1).compactMap { Int($0) }
            if bounds.count == 2, bounds[0] <= bounds[1] {
                out.formUnion(bounds[0]...bounds[1])
            } else if bounds.count == 1, !part.contains("-") {
                out.insert(bounds[0])
            }
        }
        return out
    }

    /// {1, 3, 4, 5, 7} → "1,3-5,7" (the API's compressed interval format).
    static func formatIndexes(_ indexes: Set<Int>) -> String {
        var parts: [String] = []
        var run: (Int, Int)?
        for i in indexes.sorted() {
            if let (lo, hi) = run, i == hi + 1 {
                run = (lo, i)
                continue
            }
            if let (lo, hi) = run { parts.append(lo == hi ? "\(lo)" : "\(lo)-\(hi)") }
            run = (i, i)
        }
        if let (lo, hi) = run { parts.append(lo == hi ? "\(lo)" : "\(lo)-\(hi)") }
        return parts.joined(separator: ",")
    }
}
