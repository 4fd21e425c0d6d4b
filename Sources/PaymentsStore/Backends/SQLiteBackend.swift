import Atomics
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO

/// SQLite in WAL mode: one writer connection (transactions serialized by an async lock, each a
/// `BEGIN IMMEDIATE` so another process waits rather than deadlocks) and a few reader connections.
public final class SQLiteBackend: StoreBackend {
    public let engine = SQLEngine.sqlite
    /// A connection and an executor on its event loop: a session run there resumes where its
    /// queries complete, without a hop to the cooperative pool after each statement.
    struct Lane: Sendable {
        let connection: SQLiteConnection
        let executor: EventLoopExecutor

        init(_ connection: SQLiteConnection) {
            self.connection = connection
            self.executor = EventLoopExecutor(connection.eventLoop)
        }

        /// Runs `body` on the connection's event loop, where its queries complete.
        func run<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
            try await withTaskExecutorPreference(executor) {
                try await body(connection.sql(queryLogLevel: nil))
            }
        }
    }

    private let writer: AsyncMutex<Lane>
    /// Reader connections, used in turn. They are opened `FULLMUTEX`, so a busy one is safe to
    /// share; the thread pool bounds how many queries run at once, not this list.
    private let readers: [Lane]
    private let nextReader = ManagedAtomic<Int>(0)
    private let closed = ManagedAtomic<Bool>(false)
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
        func connect(_ pragmas: [String]) async throws -> SQLiteConnection {
            let connection = try await SQLiteConnection.open(
                storage: .file(path: path),
                threadPool: .singleton,
                logger: logger,
                on: MultiThreadedEventLoopGroup.singleton.any()
            )
            for pragma in pragmas {
                _ = try await connection.query(pragma)
            }
            return connection
        }
        // The writer waits for another process's lock itself (see `waitingForTheLock`): SQLite's own
        // busy handler backs off to 100 ms between tries, so a `payments worker` beside a busy
        // `serve` kept losing the lock for seconds. Readers in WAL mode are not blocked by writers.
        let writer = try await connect([
            "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA busy_timeout = 0", "PRAGMA foreign_keys = ON",
        ])
        var readerConnections: [SQLiteConnection] = []
        for _ in 0..<max(1, readers) {
            readerConnections.append(
                try await connect(["PRAGMA busy_timeout = \(busyTimeoutMilliseconds)", "PRAGMA foreign_keys = ON", "PRAGMA query_only = ON"])
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
        self.writer = AsyncMutex(Lane(writer))
        self.readers = readers.map(Lane.init)
        self.busyTimeout = busyTimeout
        self.path = path
        self.logger = logger
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
            } catch let error as SQLiteError where error.reason == .busy && clock.now < deadline {
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(10))
            }
        }
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        guard !closed.load(ordering: .relaxed) else { throw StoreError.closed }
        let turn = UInt(bitPattern: nextReader.loadThenWrappingIncrement(ordering: .relaxed))
        return try await readers[Int(turn % UInt(readers.count))].run(body)
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await writer.withLock { lane in
            try await lane.run { db in
                // Only `BEGIN IMMEDIATE` waits for the lock; once it is taken nothing else does.
                try await waitingForTheLock { try await db.raw("BEGIN IMMEDIATE").run() }
                return try await db.inTransaction(begin: nil, logger: logger, body)
            }
        }
    }

    public func autocommit<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        // One statement: when it finds the lock taken it has written nothing, so it may run again.
        try await writer.withLock { lane in try await lane.run { db in try await waitingForTheLock { try await body(db) } } }
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
            let version = try await writer.withLock { lane in
                try await lane.run { db in try await db.raw("PRAGMA data_version").first()?.decode(column: "data_version", as: Int.self) }
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
        PoolStatistics(inUse: writer.isLocked ? 1 : 0, capacity: 1 + readers.count)
    }

    public func shutdown() async throws {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        // A write under way (or the commit watch of `listen`) finishes before its connection closes.
        for lane in [await writer.close()].compactMap({ $0 }) + readers {
            try await lane.connection.close()
        }
    }
}
