import NIOCore

/// Runs a task's jobs on one NIO event loop.
///
/// PostgresNIO completes every query on its connection's event loop: a session that runs with
/// that loop as its task executor resumes there directly, instead of hopping to the cooperative
/// pool after every statement. SQLite's writer runs its transactions on a loop of its own, and
/// its reads on NIO's loops.
final class EventLoopExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: `loop` is immutable and event loops are thread-safe.
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
