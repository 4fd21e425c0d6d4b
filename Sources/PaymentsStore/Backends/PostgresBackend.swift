import Logging
import NIOConcurrencyHelpers
import PostgresKit
import PostgresNIO
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// PostgreSQL through PostgresNIO's connection pool: one leased connection per transaction.
public final class PostgresBackend: StoreBackend {
    public let engine = SQLEngine.postgres
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let logger: Logger
    private let maximumConnections: Int
    private let leased = NIOLockedValueBox(0)

    /// Connects to the server named by a `postgres://user:password@host:port/database?sslmode=` URL.
    public static func connect(url: String, maximumConnections: Int = 20, logger: Logger) async throws -> PostgresBackend {
        let configuration = try configuration(from: url, maximumConnections: maximumConnections)
        let (started, signal) = AsyncStream<Void>.makeStream()
        let backend = PostgresBackend(
            client: PostgresClient(configuration: configuration, backgroundLogger: logger),
            started: signal,
            logger: logger,
            maximumConnections: maximumConnections
        )
        // Wait until the client's run loop has started, so that the first lease finds it running.
        for await _ in started {}
        await Task.yield()
        return backend
    }

    private init(
        client: PostgresClient,
        started: AsyncStream<Void>.Continuation,
        logger: Logger,
        maximumConnections: Int
    ) {
        self.client = client
        self.logger = logger
        self.maximumConnections = maximumConnections
        self.runTask = Task {
            started.finish()
            await client.run()
        }
    }

    static func configuration(from url: String, maximumConnections: Int) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url),
            ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, !host.isEmpty
        else {
            throw StoreError.invalidConfiguration(
                "DATABASE_URL must look like postgres://user:password@host:5432/database"
            )
        }
        let database = components.path.split(separator: "/").first.map(String.init)
        let sslmode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
        // The modes mean what they mean to libpq: `prefer` and `require` encrypt without checking
        // the certificate, `verify-ca` checks the chain, `verify-full` also the host name.
        var unverified = TLSConfiguration.makeClientConfiguration()
        unverified.certificateVerification = .none
        var chainOnly = TLSConfiguration.makeClientConfiguration()
        chainOnly.certificateVerification = .noHostnameVerification
        let tls: PostgresClient.Configuration.TLS
        switch sslmode {
        case "disable": tls = .disable
        case "allow", "prefer": tls = .prefer(unverified)
        case "require": tls = .require(unverified)
        case "verify-ca": tls = .require(chainOnly)
        case "verify-full": tls = .require(.makeClientConfiguration())
        default:
            throw StoreError.invalidConfiguration(
                "DATABASE_URL sslmode '\(sslmode)' is not one of disable, allow, prefer, require, verify-ca, verify-full"
            )
        }
        var configuration = PostgresClient.Configuration(
            host: host,
            port: components.port ?? 5432,
            username: components.user ?? "postgres",
            password: components.percentEncodedPassword?.removingPercentEncoding,
            database: database,
            tls: tls
        )
        configuration.options.maximumConnections = maximumConnections
        return configuration
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withLease { connection in try await body(PostgresSQLDatabase(connection)) }
    }

    /// Leases a connection and runs `body` on its event loop, where its queries complete
    /// (see `EventLoopExecutor`).
    private func withLease<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            leased.withLockedValue { $0 += 1 }
            defer { leased.withLockedValue { $0 -= 1 } }
            return try await withTaskExecutorPreference(EventLoopExecutor(connection.eventLoop)) {
                try await body(connection)
            }
        }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withLease { connection in
            try await PostgresSQLDatabase(connection).inTransaction(begin: "BEGIN", logger: logger, body)
        }
    }

    public func autocommit<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withLease { connection in try await body(PostgresSQLDatabase(connection)) }
    }

    /// Holds one pooled connection for as long as it listens.
    public func listen(_ channel: String, _ signal: @escaping @Sendable (String?) -> Void) async throws {
        try await client.withConnection { connection in
            try await connection.listen(on: channel) { notifications in
                // Listening (again): what was sent while no one listened is unknown.
                signal(nil)
                for try await notification in notifications { signal(notification.payload) }
            }
        }
    }

    /// A session-level advisory lock: two instances starting together migrate one after the other.
    public func withMigrationLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            let db = connection.sql(queryLogLevel: nil)
            try await db.raw("SELECT pg_advisory_lock(\(bind: Self.migrationLockKey))").run()
            do {
                let result = try await body()
                try await db.raw("SELECT pg_advisory_unlock(\(bind: Self.migrationLockKey))").run()
                return result
            } catch {
                _ = try? await db.raw("SELECT pg_advisory_unlock(\(bind: Self.migrationLockKey))").run()
                throw error
            }
        }
    }

    /// An arbitrary constant naming the migration lock ("payments" in ASCII).
    static let migrationLockKey: Int64 = 0x7061_796d_656e_7473

    public func poolStatistics() -> PoolStatistics {
        PoolStatistics(inUse: leased.withLockedValue { $0 }, capacity: maximumConnections)
    }

    public func shutdown() async throws {
        runTask.cancel()
        await runTask.value
    }
}

/// A leased connection seen through SQLKit (PostgresKit's), with the connection at hand for
/// prepared reads (``PreparedRead``).
struct PostgresSQLDatabase: SQLDatabase {
    let connection: PostgresConnection
    private let sql: any SQLDatabase

    init(_ connection: PostgresConnection) {
        self.connection = connection
        self.sql = connection.sql(queryLogLevel: nil)
    }

    var logger: Logger { sql.logger }
    var eventLoop: any EventLoop { sql.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { sql.version }
    var dialect: any SQLDialect { sql.dialect }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        sql.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await sql.execute(sql: query, onRow)
    }
}
