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
    /// A connection and an executor on its event loop.
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

    private let writer: AsyncPool<Lane>
    /// Reader connections, used in turn. They are opened `FULLMUTEX`, so a busy one is safe to
    /// share; the thread pool bounds how many queries run at once, not this list.
    private let readers: [Lane]
    private let nextReader = ManagedAtomic<Int>(0)
    private let closed = ManagedAtomic<Bool>(false)
    private let logger: Logger

    /// Opens (creating if needed) the database file at `path`.
    /// - Parameters:
    ///   - path: the file; `:memory:` is refused because readers must see the writer's data.
    ///   - readers: how many reader connections to open.
    ///   - busyTimeoutMilliseconds: how long a connection waits on another process's lock.
    public static func open(
        path: String, readers: Int = 4, busyTimeoutMilliseconds: Int = 5000, logger: Logger
    ) async throws -> SQLiteBackend {
        let threadPool = NIOThreadPool.singleton
        // The store's own loop: a transaction holds the single write lock across several
        // statements, and each resumes on this loop. On the HTTP server's loops every step would
        // queue behind request parsing while the lock is held.
        let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        func connect(_ pragmas: [String]) async throws -> SQLiteConnection {
            let connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: threadPool, logger: logger, on: eventLoops.any())
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
        return SQLiteBackend(writer: writer, readers: readerConnections, eventLoops: eventLoops, logger: logger)
    }

    private let eventLoops: MultiThreadedEventLoopGroup

    private init(writer: SQLiteConnection, readers: [SQLiteConnection], eventLoops: MultiThreadedEventLoopGroup, logger: Logger) {
        self.writer = AsyncPool([Lane(writer)])
        self.readers = readers.map(Lane.init)
        self.eventLoops = eventLoops
        self.logger = logger
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        guard !closed.load(ordering: .relaxed) else { throw StoreError.closed }
        let turn = UInt(bitPattern: nextReader.loadThenWrappingIncrement(ordering: .relaxed))
        return try await readers[Int(turn % UInt(readers.count))].run(body)
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await writer.with { lane in
            try await lane.run { db in try await db.inTransaction(begin: "BEGIN IMMEDIATE", logger: logger, body) }
        }
    }

    public func withMigrationLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        // Each migration runs in its own BEGIN IMMEDIATE transaction, which excludes every other
        // writer in this process and in any other, and the migrator re-reads what was applied
        // inside it: no further lock is needed.
        try await body()
    }

    public func poolStatistics() -> PoolStatistics {
        PoolStatistics(inUse: writer.inUse, capacity: writer.capacity + readers.count)
    }

    public func shutdown() async throws {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        for lane in writer.close() + readers {
            try await lane.connection.close()
        }
        try await eventLoops.shutdownGracefully()
    }
}
