import Logging
import NIOPosix
import SQLKit

/// SQLite in WAL mode through its C API (``SQLiteConnection``), each statement prepared once per
/// connection and run where the task that asks for it runs:
/// - one writer connection. Transactions are serialized by a pool of one, each a
///   `BEGIN IMMEDIATE` so another process waits rather than deadlocks, and each runs whole on the
///   writer's own thread (one hop in and out per transaction, none per statement): a long write
///   (a checkpoint's fsync, a claim over a large backlog) never holds up the threads that serve
///   requests.
/// - a few reader connections, used on the reading task's thread (a read is an indexed look-up).
public final class SQLiteBackend: StoreBackend {
    public let engine = SQLEngine.sqlite
    private let writer: ConnectionPool<SQLiteConnection>
    /// The writer's thread: every transaction runs there.
    private let writerThread: MultiThreadedEventLoopGroup
    private let writerExecutor: EventLoopExecutor
    private let readers: ConnectionPool<SQLiteConnection>
    private let busyTimeout: Duration
    /// The database file.
    public let path: String
    private let logger: Logger

    /// Opens (creating if needed) the database file at `path`.
    /// - Parameters:
    ///   - path: the file. Not `:memory:`: each connection would see its own empty database.
    ///   - readers: how many reader connections to open.
    ///   - busyTimeoutMilliseconds: how long a connection waits on another process's lock.
    public static func open(
        path: String,
        readers: Int = 4,
        busyTimeoutMilliseconds: Int = 5000,
        logger: Logger
    ) async throws -> SQLiteBackend {
        guard path != ":memory:", !path.isEmpty else {
            throw StoreError.invalidConfiguration("SQLite needs a file path: the readers must see the writer's data.")
        }
        // The writer waits for another process's lock itself (see `waitingForTheLock`): SQLite's own
        // busy handler backs off to 100 ms between tries, so a `payments worker` beside a busy
        // `serve` kept losing the lock for seconds. Readers in WAL mode are not blocked by writers.
        let writer = try SQLiteConnection(
            path: path,
            pragmas: ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA busy_timeout = 0", "PRAGMA foreign_keys = ON"]
        )
        let readerConnections = try (0..<max(1, readers)).map { _ in
            try SQLiteConnection(
                path: path,
                pragmas: ["PRAGMA busy_timeout = \(busyTimeoutMilliseconds)", "PRAGMA foreign_keys = ON", "PRAGMA query_only = ON"]
            )
        }
        return SQLiteBackend(
            writer: writer,
            readers: readerConnections,
            busyTimeout: .milliseconds(busyTimeoutMilliseconds),
            path: path,
            logger: logger
        )
    }

    private init(writer: SQLiteConnection, readers: [SQLiteConnection], busyTimeout: Duration, path: String, logger: Logger) {
        self.writer = ConnectionPool([writer])
        self.writerThread = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.writerExecutor = EventLoopExecutor(writerThread.next())
        self.readers = ConnectionPool(readers)
        self.busyTimeout = busyTimeout
        self.path = path
        self.logger = logger
    }

    private func database(_ connection: SQLiteConnection) -> any SQLDatabase {
        SQLiteDatabase(connection: connection, logger: logger)
    }

    /// Runs `attempt` again while another process holds the database's write lock (SQLite answers
    /// `SQLITE_BUSY` at once: nothing was written), after 1, 2, 4 … at most 10 ms, until
    /// `busyTimeout` has passed; then its error is thrown.
    private func waitingForTheLock<T>(_ attempt: () async throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: busyTimeout)
        var pause = Duration.milliseconds(1)
        while true {
            do {
                return try await attempt()
            } catch let error as SQLiteFailure where error.isBusy && clock.now < deadline {
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(10))
            }
        }
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await readers.withValue { connection in try await body(database(connection)) }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await onTheWriter { connection in
            let db = database(connection)
            // Only `BEGIN IMMEDIATE` waits for the lock; once it is taken nothing else does.
            try await waitingForTheLock { try await db.raw("BEGIN IMMEDIATE").run() }
            return try await db.inTransaction(begin: nil, logger: logger, body)
        }
    }

    public func autocommit<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        // One statement: when it finds the lock taken it has written nothing, so it may run again.
        try await onTheWriter { connection in try await waitingForTheLock { try await body(database(connection)) } }
    }

    /// Runs `body` with the writer connection, on the writer's thread.
    private func onTheWriter<T: Sendable>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        try await writer.withValue { connection in
            try await withTaskExecutorPreference(writerExecutor) { try await body(connection) }
        }
    }

    /// How often ``listen(_:_:)`` looks for other processes' commits.
    static let commitWatchInterval = Duration.milliseconds(10)

    /// SQLite has no notifications: every ``commitWatchInterval`` this reads `PRAGMA data_version`
    /// on the writer connection (a look at the WAL index in shared memory). Its value moves only
    /// when another connection commits, and this process writes through that one connection
    /// alone: so `signal` is called, whatever the channel, after another process's commits and
    /// never after this process's own.
    public func listen(_ channel: String, _ signal: @escaping @Sendable () -> Void) async throws {
        var seen: Int?
        while true {
            let version = try await onTheWriter { connection in
                try await database(connection).raw("PRAGMA data_version").first()?.decode(column: "data_version", as: Int.self)
            }
            if let seen, version != seen { signal() }
            seen = version
            try await Task.sleep(for: Self.commitWatchInterval)
        }
    }

    public func withMigrationLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        // Each migration runs in its own BEGIN IMMEDIATE transaction, which excludes every other
        // writer in this process and in any other, and the migrator re-reads what was applied
        // inside it: no further lock is needed.
        try await body()
    }

    public func poolStatistics() -> PoolStatistics {
        PoolStatistics(inUse: writer.inUse + readers.inUse, capacity: writer.capacity + readers.capacity)
    }

    public func shutdown() async throws {
        // A write under way (or the commit watch of `listen`) finishes before its connection closes.
        let connections = await writer.close() + readers.close()
        guard !connections.isEmpty else { return }  // closed already
        for connection in connections { connection.close() }
        try await writerThread.shutdownGracefully()
    }
}
