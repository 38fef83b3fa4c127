import NIOCore

/// Runs tasks on one NIO event loop.
///
/// A request's task runs on its connection's event loop: a GET is read from the current
/// state without suspending, so it completes on the thread that received it, and its
/// frames are written without a hop. On the global pool every request cost two thread
/// wake-ups (event loop → pool → event loop), which showed as a quarter of the server's
/// CPU. Work on actors (the SQLite store's writes) still runs on their own executors.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }
}
