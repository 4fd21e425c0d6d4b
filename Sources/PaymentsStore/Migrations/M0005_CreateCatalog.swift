import SQLKit

/// The catalog: plans and their prices. A price is never changed once made: a new amount
/// archives the old row (`active = 0`) and adds a new one with the same key, so subscriptions
/// keep pointing at what they bought.
struct M0005_CreateCatalog: Migration {
    let version = 5
    let name = "create_catalog"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            """
            CREATE TABLE plans (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL REFERENCES apps (id),
                key TEXT NOT NULL,
                name TEXT NOT NULL,
                description TEXT,
                trial_period_days BIGINT,
                grace_period_days BIGINT,
                features TEXT NOT NULL,
                limits TEXT NOT NULL,
                metadata TEXT NOT NULL,
                active BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                UNIQUE (app_id, key)
            )
            """,
            "CREATE INDEX plans_app_id ON plans (app_id, id)",
            """
            CREATE TABLE prices (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL REFERENCES apps (id),
                plan_id TEXT NOT NULL REFERENCES plans (id),
                key TEXT NOT NULL,
                terms TEXT NOT NULL,
                linked_provider_price_id TEXT,
                active BIGINT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX prices_plan ON prices (app_id, plan_id)",
            // One active price per key and plan; archived versions may repeat the key.
            "CREATE UNIQUE INDEX prices_active_key ON prices (app_id, plan_id, key) WHERE active = 1",
        ])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute(["DROP TABLE prices", "DROP TABLE plans"])
    }
}
