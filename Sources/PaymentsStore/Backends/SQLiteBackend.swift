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
    private let writer: AsyncPool<SQLiteConnection>
    private let readers: AsyncPool<SQLiteConnection>
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
        let eventLoops = MultiThreadedEventLoopGroup.singleton
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
        return SQLiteBackend(writer: writer, readers: readerConnections, logger: logger)
    }

    private init(writer: SQLiteConnection, readers: [SQLiteConnection], logger: Logger) {
        self.writer = AsyncPool([writer])
        self.readers = AsyncPool(readers)
        self.logger = logger
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await readers.with { connection in try await body(connection.sql(queryLogLevel: nil)) }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await writer.with { connection in
            let db = connection.sql(queryLogLevel: nil)
            try await db.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(db)
                try await db.raw("COMMIT").run()
                return result
            } catch {
                do { try await db.raw("ROLLBACK").run() } catch {
                    logger.error("SQLite rollback failed", metadata: ["error": "\(error)"])
                }
                throw error
            }
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
        for connection in writer.close() + readers.close() {
            try await connection.close()
        }
    }
}
