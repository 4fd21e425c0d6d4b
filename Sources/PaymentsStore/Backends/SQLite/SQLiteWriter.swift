import CSQLite
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import SQLKit

/// SQLite's one writer connection, whose transactions commit together.
///
/// A commit writes every page the transaction touched to the WAL; a customer write touches a
/// dozen pages, most of them the same ones as the next write's (the tables' and indexes' last
/// leaves). So transactions that arrive while another runs are committed with it: the task that
/// holds the writer runs its body in a savepoint of the open transaction, and then either hands
/// the writer, transaction still open, to the next task waiting, or — when none waits, or the
/// batch is full — commits for everyone in it. Each task runs its own body, in order, and is
/// answered only after the commit that holds its change (or with its own error: its savepoint
/// is rolled back and the others go on). Alone, a write commits at once, as before.
///
/// Everything the writer does runs on its own thread (one hop in and out per transaction, none
/// per statement), so a long write never holds up the threads that serve requests.
final class SQLiteWriter: Sendable {
    /// A transaction open on the connection, and the tasks whose changes it holds.
    private final class Batch: Sendable {
        private struct State {
            var outcome: Result<Void, any Error>?
            var waiting: [CheckedContinuation<Void, any Error>] = []
        }
        private let state = NIOLockedValueBox(State())
        /// Members so far (only the writer's holder touches it).
        let members = NIOLockedValueBox(0)

        /// Returns once the batch has committed; throws when it did not.
        func committed() async throws {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLockedValue { state -> Result<Void, any Error>? in
                    if state.outcome == nil { state.waiting.append(continuation) }
                    return state.outcome
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        }

        func finish(_ outcome: Result<Void, any Error>) {
            let waiting = state.withLockedValue { state in
                state.outcome = outcome
                defer { state.waiting = [] }
                return state.waiting
            }
            for continuation in waiting { continuation.resume(with: outcome) }
        }
    }

    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, any Error>] = []
        var batch: Batch?
        var closed = false
        /// A `close()` waiting for the work under way.
        var closer: CheckedContinuation<Void, Never>?
        /// Tasks on their way to the writer's thread or waiting on it for the writer: its thread
        /// stops only once each has the writer or has left.
        var entering = 0
        /// A `close()` waiting for them.
        var arrivals: CheckedContinuation<Void, Never>?
    }

    private let state = NIOLockedValueBox(State())
    private let connection: SQLiteConnection
    private let database: SQLiteDatabase
    private let thread: MultiThreadedEventLoopGroup
    private let executor: EventLoopExecutor
    private let logger: Logger
    /// How many transactions one commit may carry.
    let maximumBatch: Int
    /// How long a transaction waits for another process's lock before it gives up.
    private let busyTimeout: Duration
    /// Commits made, and transactions they carried.
    let statistics = NIOLockedValueBox((commits: 0, transactions: 0))

    init(_ connection: SQLiteConnection, busyTimeout: Duration, maximumBatch: Int = 64, logger: Logger) {
        self.connection = connection
        self.database = SQLiteDatabase(connection: connection, logger: logger)
        self.thread = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.executor = EventLoopExecutor(thread.next())
        self.busyTimeout = busyTimeout
        self.maximumBatch = maximumBatch
        self.logger = logger
    }

    /// Whether a task holds the writer now.
    var isHeld: Bool { state.withLockedValue { $0.held } }

    /// How many tasks wait for the writer now.
    var waiting: Int { state.withLockedValue { $0.waiters.count } }

    /// Runs `body` in a transaction, committed (perhaps with others) before this returns; rolled
    /// back, alone, when `body` throws.
    func transaction<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await run(transactional: true, body)
    }

    /// Runs `body` with the writer connection: outside a transaction when none is open; inside
    /// the open one otherwise (it then waits for its commit too).
    func withConnection<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await run(transactional: false, body)
    }

    private func run<T: Sendable>(transactional: Bool, _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        // The writer is waited for on its own thread: the task that hands it over resumes the next
        // one there, which then runs at once, with no round trip through the shared pool.
        let entering = state.withLockedValue { state -> Bool in
            guard !state.closed else { return false }
            state.entering += 1
            return true
        }
        guard entering else { throw StoreError.closed }
        return try await withTaskExecutorPreference(executor) {
            // Counted until past the wait, so a close does not stop the thread under a waiter it
            // has just failed (which must run on the thread to leave).
            do {
                try await acquire()
                arrived()
            } catch {
                arrived()
                throw error
            }
            let batch: Batch
            if let open = state.withLockedValue({ $0.batch }) {
                batch = open
            } else if transactional {
                do {
                    try await beginWaitingForTheLock()
                } catch {
                    release()
                    throw error
                }
                batch = Batch()
                state.withLockedValue { $0.batch = batch }
            } else {
                defer { release() }
                return try await body(database)
            }
            let outcome = await member(body)
            batch.members.withLockedValue { $0 += 1 }
            guard connection.inTransaction else {
                // SQLite rolled the whole transaction back (a full disk, an I/O error): no one in
                // the batch has a change committed.
                let error: any Error
                if case .failure(let failure) = outcome {
                    error = failure
                } else {
                    error = StoreError.inconsistent("the transaction was rolled back")
                }
                state.withLockedValue { $0.batch = nil }
                batch.finish(.failure(error))
                release()
                throw error
            }
            if !handOver(batch) { commit(batch) }
            try await batch.committed()
            return try outcome.get()
        }
    }

    /// `BEGIN IMMEDIATE`, again while another process holds the database's write lock (SQLite
    /// answers `SQLITE_BUSY` at once: nothing was written), after 1, 2, 4 … at most 10 ms, until
    /// `busyTimeout` has passed; then its error is thrown. (SQLite's own busy handler backs off to
    /// 100 ms between tries, so a `payments worker` beside a busy `serve` kept losing the lock
    /// for seconds.)
    private func beginWaitingForTheLock() async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: busyTimeout)
        var pause = Duration.milliseconds(1)
        while true {
            do {
                return try connection.execute("BEGIN IMMEDIATE", []) { _ in }
            } catch let error as SQLiteFailure where error.isBusy && clock.now < deadline {
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(10))
            }
        }
    }

    /// Runs one member's body in a savepoint: released when it returns, rolled back when it throws.
    private func member<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async -> Result<T, any Error> {
        do {
            try await database.raw("SAVEPOINT member").run()
        } catch {
            return .failure(error)
        }
        do {
            let result = try await body(database)
            try await database.raw("RELEASE member").run()
            return .success(result)
        } catch {
            do {
                try await database.raw("ROLLBACK TO member").run()
                try await database.raw("RELEASE member").run()
            } catch {
                logger.error("rollback to savepoint failed", metadata: ["error": "\(error)"])
            }
            return .failure(error)
        }
    }

    /// Commits the open batch, answers its members and lets the next task in.
    private func commit(_ batch: Batch) {
        let outcome: Result<Void, any Error>
        do {
            try connection.execute("COMMIT", []) { _ in }
            outcome = .success(())
            let members = batch.members.withLockedValue { $0 }
            statistics.withLockedValue { $0 = ($0.commits + 1, $0.transactions + members) }
        } catch {
            try? connection.execute("ROLLBACK", []) { _ in }
            outcome = .failure(error)
        }
        state.withLockedValue { $0.batch = nil }
        batch.finish(outcome)
        release()
    }

    /// Hands the writer, the batch still open, to the next task waiting, when one waits and the
    /// batch has room.
    private func handOver(_ batch: Batch) -> Bool {
        guard batch.members.withLockedValue({ $0 }) < maximumBatch else { return false }
        let next = state.withLockedValue { state -> CheckedContinuation<Void, any Error>? in
            guard !state.closed, !state.waiters.isEmpty else { return nil }
            return state.waiters.removeFirst()
        }
        guard let next else { return false }
        next.resume()
        return true
    }

    private func acquire() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let result: Result<Void, any Error>? = state.withLockedValue { state in
                if state.closed { return .failure(StoreError.closed) }
                guard state.held else {
                    state.held = true
                    return .success(())
                }
                state.waiters.append(continuation)
                return nil
            }
            if let result { continuation.resume(with: result) }
        }
    }

    /// A task that set out for the writer has it, or has been turned away (see `State.entering`).
    private func arrived() {
        let closer = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.entering -= 1
            guard state.entering == 0 else { return nil }
            defer { state.arrivals = nil }
            return state.arrivals
        }
        closer?.resume()
    }

    /// Lets the next task in, or frees the writer.
    private func release() {
        let (next, closer) = state.withLockedValue { state -> (CheckedContinuation<Void, any Error>?, CheckedContinuation<Void, Never>?) in
            if !state.closed, !state.waiters.isEmpty { return (state.waiters.removeFirst(), nil) }
            state.held = false
            defer { state.closer = nil }
            return (nil, state.closer)
        }
        next?.resume()
        closer?.resume()
    }

    /// Refuses new work and fails the tasks waiting; the work under way finishes first. Then
    /// closes the connection and stops the writer's thread. Closing again does nothing.
    func close() async throws {
        let (waiters, first, held) = state.withLockedValue { state -> ([CheckedContinuation<Void, any Error>], Bool, Bool) in
            guard !state.closed else { return ([], false, false) }
            state.closed = true
            defer { state.waiters = [] }
            return (state.waiters, true, state.held)
        }
        guard first else { return }
        for waiter in waiters { waiter.resume(throwing: StoreError.closed) }
        if held {
            await withCheckedContinuation { (closer: CheckedContinuation<Void, Never>) in
                let stillHeld = state.withLockedValue { state -> Bool in
                    guard state.held else { return false }
                    state.closer = closer
                    return true
                }
                if !stillHeld { closer.resume() }
            }
        }
        // Tasks already on their way to the thread find it closed there (and leave) first.
        await withCheckedContinuation { (closer: CheckedContinuation<Void, Never>) in
            let waiting = state.withLockedValue { state -> Bool in
                guard state.entering > 0 else { return false }
                state.arrivals = closer
                return true
            }
            if !waiting { closer.resume() }
        }
        connection.close()
        try await thread.shutdownGracefully()
    }
}
