import Foundation
import Synchronization

/// A task executor with one thread of its own, for the SQLite writer: the statements of a batch resume there
/// instead of queuing behind WebSocket work on the shared concurrency pool, which would lengthen every commit.
final class WriterExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: `jobs` and `stopped` are only touched under `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false

    init(name: String) {
        // The thread keeps the executor alive until `shutdown` lets it end.
        // Named from inside: on Linux only that reaches the system thread, which `top -H` and `perf` show.
        let thread = Thread {
            Thread.current.name = name
            self.run()
        }
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.condition.lock()
        self.jobs.append(job)
        self.condition.signal()
        self.condition.unlock()
    }

    /// Lets the thread end once the jobs queued so far have run.
    func shutdown() {
        self.condition.lock()
        self.stopped = true
        self.condition.signal()
        self.condition.unlock()
    }

    private func run() {
        while true {
            self.condition.lock()
            while self.jobs.isEmpty, !self.stopped { self.condition.wait() }
            if self.jobs.isEmpty, self.stopped {
                self.condition.unlock()
                return
            }
            let batch = self.jobs
            self.jobs.removeAll(keepingCapacity: true)
            self.condition.unlock()
            for job in batch { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }
    }
}
