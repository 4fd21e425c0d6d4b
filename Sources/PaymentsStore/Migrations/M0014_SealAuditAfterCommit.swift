import SQLKit

/// Audit entries are written unsealed with their change and sealed into the chain after the
/// commit: `sequence`, `previous_hash` and `hash` stay NULL until then. Unsealed entries are
/// found through a partial index; the log is listed by id.
struct M0014_SealAuditAfterCommit: Migration {
    let version = 14
    let name = "seal_audit_after_commit"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        switch engine {
        case .postgres:
            try await db.execute([
                """
                ALTER TABLE audit_logs ALTER COLUMN sequence DROP NOT NULL, ALTER COLUMN previous_hash DROP NOT NULL,
                    ALTER COLUMN hash DROP NOT NULL
                """
            ])
        case .sqlite:
            // SQLite cannot drop a NOT NULL: the table is made again (its rows copied as they are).
            try await rebuild(db, nullable: true)
        }
        try await db.execute([
            "CREATE INDEX audit_logs_unsealed ON audit_logs (app_id, id) WHERE sequence IS NULL",
            "CREATE INDEX audit_logs_listing ON audit_logs (app_id, id)",
        ])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        // Every entry must be sealed first (`payments serve` or `payments worker` seals them).
        try await db.execute(["DROP INDEX audit_logs_unsealed", "DROP INDEX audit_logs_listing"])
        switch engine {
        case .postgres:
            try await db.execute([
                """
                ALTER TABLE audit_logs ALTER COLUMN sequence SET NOT NULL, ALTER COLUMN previous_hash SET NOT NULL,
                    ALTER COLUMN hash SET NOT NULL
                """
            ])
        case .sqlite:
            try await rebuild(db, nullable: false)
        }
    }

    private func rebuild(_ db: any SQLDatabase, nullable: Bool) async throws {
        let seal = nullable ? "" : " NOT NULL"
        try await db.execute([
            """
            CREATE TABLE audit_logs_rebuilt (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL REFERENCES apps (id),
                sequence BIGINT\(seal),
                actor_id TEXT NOT NULL,
                key_id TEXT,
                action_type TEXT NOT NULL,
                target_type TEXT NOT NULL,
                target_id TEXT NOT NULL,
                payload_snapshot TEXT NOT NULL,
                request_id TEXT,
                created_at BIGINT NOT NULL,
                previous_hash TEXT\(seal),
                hash TEXT\(seal),
                UNIQUE (app_id, sequence)
            )
            """,
            "INSERT INTO audit_logs_rebuilt SELECT * FROM audit_logs",
            "DROP TABLE audit_logs",
            "ALTER TABLE audit_logs_rebuilt RENAME TO audit_logs",
            "CREATE INDEX audit_logs_target ON audit_logs (app_id, target_type, target_id)",
            "CREATE INDEX audit_logs_created ON audit_logs (app_id, created_at)",
        ])
    }
}
