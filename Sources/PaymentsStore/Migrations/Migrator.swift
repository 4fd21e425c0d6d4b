import Logging
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Applies and reverts migrations, recording them in `schema_migrations`. Safe to run from two
/// instances at once: PostgreSQL takes an advisory lock; on SQLite each migration's exclusive
/// transaction re-checks what is applied.
public struct Migrator: Sendable {
    let backend: any StoreBackend
    let migrations: [any Migration]
    let logger: Logger

    public init(backend: any StoreBackend, migrations: [any Migration] = Migrations.all, logger: Logger) {
        self.backend = backend
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Applies every pending migration.
    /// - Returns: the versions applied by this call.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await backend.withMigrationLock {
            try await ensureTable()
            var applied: [Int] = []
            for migration in migrations {
                let didApply = try await backend.transaction { db in
                    guard try await !isApplied(migration.version, db) else { return false }
                    try await migration.prepare(on: db, engine: backend.engine)
                    try await db.raw(
                        """
                        INSERT INTO schema_migrations (version, name, applied_at)
                        VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: currentMillis()))
                        """
                    ).run()
                    return true
                }
                if didApply {
                    logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                    applied.append(migration.version)
                }
            }
            return applied
        }
    }

    /// Reverts the last `count` applied migrations, newest first.
    /// - Returns: the versions reverted.
    @discardableResult
    public func revert(last count: Int) async throws -> [Int] {
        try await backend.withMigrationLock {
            try await ensureTable()
            var reverted: [Int] = []
            for migration in migrations.reversed() where reverted.count < count {
                let didRevert = try await backend.transaction { db in
                    guard try await isApplied(migration.version, db) else { return false }
                    try await migration.revert(on: db, engine: backend.engine)
                    try await db.raw("DELETE FROM schema_migrations WHERE version = \(bind: migration.version)").run()
                    return true
                }
                if didRevert {
                    logger.info("reverted migration", metadata: ["version": "\(migration.version)"])
                    reverted.append(migration.version)
                }
            }
            return reverted
        }
    }

    /// The versions recorded as applied.
    public func appliedVersions() async throws -> [Int] {
        try await ensureTable()
        return try await backend.read { db in
            try await db.raw("SELECT version FROM schema_migrations ORDER BY version").all().map {
                try $0.decode(column: "version", as: Int.self)
            }
        }
    }

    /// Versions known to this build and not applied.
    public func pendingVersions() async throws -> [Int] {
        let applied = Set(try await appliedVersions())
        return migrations.map(\.version).filter { !applied.contains($0) }
    }

    private func ensureTable() async throws {
        try await backend.transaction { db in
            try await db.raw(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at BIGINT NOT NULL
                )
                """
            ).run()
        }
    }

    private func isApplied(_ version: Int, _ db: any SQLDatabase) async throws -> Bool {
        try await db.raw("SELECT version FROM schema_migrations WHERE version = \(bind: version)").first() != nil
    }

    private func currentMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}
