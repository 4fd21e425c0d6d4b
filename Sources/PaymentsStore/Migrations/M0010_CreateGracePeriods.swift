import SQLKit

/// Grace periods: a window in which a customer keeps access after a failed payment (or, with the
/// usage work, an exceeded quota). At most one open per customer and reason.
struct M0010_CreateGracePeriods: Migration {
    let version = 10
    let name = "create_grace_periods"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            """
            CREATE TABLE grace_periods (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL REFERENCES apps (id),
                customer_id TEXT NOT NULL REFERENCES customers (id),
                subscription_id TEXT,
                reason TEXT NOT NULL,
                status TEXT NOT NULL,
                starts_at BIGINT NOT NULL,
                ends_at BIGINT NOT NULL,
                closed_at BIGINT,
                resolution TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX grace_periods_app ON grace_periods (app_id, id)",
            "CREATE UNIQUE INDEX grace_periods_one_open ON grace_periods (app_id, customer_id, reason) WHERE status = 'open'",
            "CREATE INDEX grace_periods_open ON grace_periods (status, ends_at)",
        ])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute(["DROP TABLE grace_periods"])
    }
}
