import Reconcile
import Testing

@Suite struct WorkQueueTests {
    @Test func aKeyQueuedTwiceIsHandedOutOnce() async {
        let queue = WorkQueue<String>()
        queue.add("a")
        queue.add("b")
        queue.add("a")
        #expect(queue.depth == 2)
        #expect(await queue.next() == "a")
        #expect(await queue.next() == "b")
        #expect(queue.depth == 0)
    }

    @Test func aKeyAddedWhileProcessingWaitsForDone() async {
        let queue = WorkQueue<String>()
        queue.add("a")
        let first = await queue.next()
        #expect(first == "a")
        queue.add("a")
        // Not handed to a second worker while the first holds it.
        #expect(queue.depth == 0)
        queue.add("b")
        #expect(await queue.next() == "b")
        queue.done("a")
        #expect(queue.depth == 1)
        #expect(await queue.next() == "a")
    }

    @Test func aWaitingWorkerGetsTheNextKey() async {
        let queue = WorkQueue<Int>()
        async let taken = queue.next()
        // Adding before or after the worker starts waiting must both deliver the key.
        queue.add(7)
        #expect(await taken == 7)
    }

    @Test func shutDownReleasesWaitingWorkers() async {
        let queue = WorkQueue<Int>()
        async let taken = queue.next()
        queue.shutDown()
        #expect(await taken == nil)
        queue.add(1)
        #expect(await queue.next() == nil)
    }

    @Test func cancellingAWaitingWorkerReturnsNil() async {
        let queue = WorkQueue<Int>()
        let task = Task { await queue.next() }
        task.cancel()
        #expect(await task.value == nil)
        // The queue still works for others.
        queue.add(3)
        #expect(await queue.next() == 3)
    }

    @Test func delayedAddsAreReleasedByTheTimers() async {
        let queue = WorkQueue<String>()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await queue.runTimers() }
            queue.add("later", after: .milliseconds(20))
            queue.add("now")
            #expect(await queue.next() == "now")
            #expect(await queue.next() == "later")
            queue.shutDown()
        }
    }

    @Test func backoffGrowsPerKeyAndForgetResetsIt() {
        let limiter = ExponentialRateLimiter(base: .milliseconds(5), maximum: .seconds(1))
        #expect(limiter.delay(afterFailures: 1) == .milliseconds(5))
        #expect(limiter.delay(afterFailures: 2) == .milliseconds(10))
        #expect(limiter.delay(afterFailures: 4) == .milliseconds(40))
        #expect(limiter.delay(afterFailures: 30) == .seconds(1))
        let queue = WorkQueue<String>(rateLimiter: limiter)
        queue.addRateLimited("x")
        queue.addRateLimited("x")
        #expect(queue.failures(of: "x") == 2)
        #expect(queue.failures(of: "y") == 0)
        queue.forget("x")
        #expect(queue.failures(of: "x") == 0)
    }

    @Test func aKeyHasOneTimerTheEarliest() async {
        let queue = WorkQueue<String>()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await queue.runTimers() }
            queue.add("k", after: .seconds(30))
            queue.add("k", after: .milliseconds(20))
            queue.add("k", after: .seconds(60))
            #expect(await queue.next() == "k")
            queue.done("k")
            // The later timers were dropped: nothing else arrives for this key.
            queue.add("other", after: .milliseconds(50))
            #expect(await queue.next() == "other")
            #expect(queue.depth == 0)
            queue.shutDown()
        }
    }
}
