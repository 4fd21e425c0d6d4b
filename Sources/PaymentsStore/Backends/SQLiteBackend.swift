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
    private let logger: Logger

    /// Opens (creating if needed) the database file at `path`.
    /// - Parameters:
    ///   - path: the file. Not `:memory:`: each connection would see its own empty database.
    ///   - readers: how many reader connections to open.
    ///   - busyTimeoutMilliseconds: how long a connection waits on another process's lock.
    public static func open(
        path: String, readers: Int = 4, busyTimeoutMilliseconds: Int = 5000, logger: Logger
    ) async throws -> SQLiteBackend {
        guard path != ":memory:", !path.isEmpty else {
            throw StoreError.invalidConfiguration("SQLite needs a file path: the readers must see the writer's data.")
        }
        func connect(_ pragmas: [String]) async throws -> SQLiteConnection {
            let connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: .singleton, logger: logger,
                on: MultiThreadedEventLoopGroup.singleton.any())
            for pragma in pragmas {
                _ = try await connection.query(pragma)
            }
            return connection
        }
        let common = ["PRAGMA busy_timeout = \(busyTimeoutMilliseconds)", "PRAGMA foreign_keys = ON"]
        let writer = try await connect(["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL"] + common)
        var readerConnections: [SQLiteConnection] = []
        for _ in 0..<max(1, readers) {
            readerConnections.append(try await connect(common + ["PRAGMA query_only = ON"]))
        }
        return SQLiteBackend(writer: writer, readers: readerConnections, logger: logger)
    }

    private init(writer: SQLiteConnection, readers: [SQLiteConnection], logger: Logger) {
        self.writer = AsyncMutex(Lane(writer))
        self.readers = readers.map(Lane.init)
        self.logger = logger
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        guard !closed.load(ordering: .relaxed) else { throw StoreError.closed }
        let turn = UInt(bitPattern: nextReader.loadThenWrappingIncrement(ordering: .relaxed))
        return try await readers[Int(turn % UInt(readers.count))].run(body)
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await writer.withLock { lane in
            try await lane.run { db in try await db.inTransaction(begin: "BEGIN IMMEDIATE", logger: logger, body) }
        }
    }

    public func autocommit<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await writer.withLock { lane in try await lane.run(body) }
    }

    public func listen(_ channel: String, _ signal: @escaping @Sendable () -> Void) async throws {}

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
        for lane in [writer.close()].compactMap({ $0 }) + readers {
            try await lane.connection.close()
        }
    }
}
