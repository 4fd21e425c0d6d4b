import SQLKit

/// The built-in sandbox provider's own state: what a real provider would keep on its side.
/// Objects are JSON documents; `idempotency_key` makes every create idempotent, as Stripe's
/// `Idempotency-Key` does. Its events go straight to the service's inbox (`provider_events`).
struct M0008_CreateSandbox: Migration {
    let version = 8
    let name = "create_sandbox"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            """
            CREATE TABLE sandbox_objects (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL REFERENCES apps (id),
                kind TEXT NOT NULL,
                idempotency_key TEXT,
                parent_id TEXT,
                data TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX sandbox_objects_idempotency ON sandbox_objects (app_id, kind, idempotency_key)",
            "CREATE INDEX sandbox_objects_kind ON sandbox_objects (app_id, kind, parent_id)",
        ])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute(["DROP TABLE sandbox_objects"])
    }
}
