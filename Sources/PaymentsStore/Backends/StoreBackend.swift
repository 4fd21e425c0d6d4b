import Logging
import SQLKit

/// Which SQL engine a backend speaks. Query text is written once; the few places where the two
/// engines differ (queue claims, binary columns, locks) switch on this.
public enum SQLEngine: String, Sendable {
    case sqlite
    case postgres
}

/// One database, as the store uses it: reads on any connection, writes in a transaction.
///
/// SQLKit has no transaction API, so each backend builds its own: PostgreSQL leases one pooled
/// connection per transaction; SQLite has one writer connection with transactions serialized by an
/// async lock and `BEGIN IMMEDIATE`, and readers on their own connections.
public protocol StoreBackend: Sendable {
    var engine: SQLEngine { get }

    /// Runs `body` with a connection for reads (no transaction).
    func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T

    /// Runs `body` on a connection that may write, outside an explicit transaction: each statement
    /// commits on its own. For a write that is a single statement this spares the `BEGIN` and
    /// `COMMIT` round trips; anything of more than one statement belongs in ``transaction(_:)``.
    func autocommit<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T

    /// Calls `signal` whenever a transaction that ran `NOTIFY channel` commits, in any process,
    /// with the notification's payload, until the task is cancelled (which ends it with
    /// `CancellationError`); and once with no payload when it starts listening (what was sent
    /// before is unknown). SQLite has no notifications: there it signals (with no payload)
    /// after any commit made by another process.
    func listen(_ channel: String, _ signal: @escaping @Sendable (String?) -> Void) async throws

    /// Runs `body` holding a lock that excludes every other migrator, on any instance.
    func withMigrationLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T

    /// Connection counts for metrics.
    func poolStatistics() -> PoolStatistics

    /// Closes every connection.
    func shutdown() async throws
}

/// A snapshot of a backend's connections.
public struct PoolStatistics: Sendable {
    public var inUse: Int
    public var capacity: Int
}

extension SQLDatabase {
    /// Runs `body` between `begin` and `COMMIT` on this connection, rolling back if it throws.
    /// - Parameter begin: nil when the caller has begun the transaction already.
    func inTransaction<T: Sendable>(
        begin: SQLQueryString?,
        logger: Logger,
        _ body: (any SQLDatabase) async throws -> T
    ) async throws -> T {
        if let begin { try await raw(begin).run() }
        do {
            let result = try await body(self)
            try await raw("COMMIT").run()
            return result
        } catch {
            do { try await raw("ROLLBACK").run() } catch {
                logger.error("rollback failed", metadata: ["error": "\(error)"])
            }
            throw error
        }
    }
}
