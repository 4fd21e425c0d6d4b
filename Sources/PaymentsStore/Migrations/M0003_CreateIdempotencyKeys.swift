import SQLKit

/// Idempotency keys and the responses they replay. `app_id` is empty for admin requests.
struct M0003_CreateIdempotencyKeys: Migration {
    let version = 3
    let name = "create_idempotency_keys"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            """
            CREATE TABLE idempotency_keys (
                app_id TEXT NOT NULL,
                idempotency_key TEXT NOT NULL,
                request_hash TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('running', 'done')),
                locked_until BIGINT NOT NULL,
                status_code INTEGER,
                content_type TEXT,
                response_body \(engine.binaryType),
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                PRIMARY KEY (app_id, idempotency_key)
            )
            """,
            "CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at)",
        ])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute(["DROP TABLE idempotency_keys"])
    }
}
