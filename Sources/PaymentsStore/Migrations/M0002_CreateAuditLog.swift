import SQLKit

/// The audit log, hash-chained per app, and each chain's head (locked to append).
struct M0002_CreateAuditLog: Migration {
    let version = 2
    let name = "create_audit_log"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            """
            CREATE TABLE audit_logs (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL REFERENCES apps (id),
                sequence BIGINT NOT NULL,
                actor_id TEXT NOT NULL,
                key_id TEXT,
                action_type TEXT NOT NULL,
                target_type TEXT NOT NULL,
                target_id TEXT NOT NULL,
                payload_snapshot TEXT NOT NULL,
                request_id TEXT,
                created_at BIGINT NOT NULL,
                previous_hash TEXT NOT NULL,
                hash TEXT NOT NULL,
                UNIQUE (app_id, sequence)
            )
            """,
            "CREATE INDEX audit_logs_target ON audit_logs (app_id, target_type, target_id)",
            "CREATE INDEX audit_logs_created ON audit_logs (app_id, created_at)",
            """
            CREATE TABLE audit_heads (
                app_id TEXT PRIMARY KEY REFERENCES apps (id),
                sequence BIGINT NOT NULL,
                hash TEXT NOT NULL
            )
            """,
        ])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute(["DROP TABLE audit_heads", "DROP TABLE audit_logs"])
    }
}
