import SQLKit

/// The outbox: events we send to apps, their per-app sequence, the apps' webhook endpoints and
/// one delivery row per event and endpoint.
struct M0011_CreateEvents: Migration {
    let version = 11
    let name = "create_events"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute(
            [
                """
                CREATE TABLE event_heads (
                    app_id TEXT PRIMARY KEY REFERENCES apps (id),
                    sequence BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE events (
                    id TEXT PRIMARY KEY,
                    app_id TEXT NOT NULL REFERENCES apps (id),
                    sequence BIGINT NOT NULL,
                    type TEXT NOT NULL,
                    resource_type TEXT NOT NULL,
                    resource_id TEXT NOT NULL,
                    customer_id TEXT,
                    payload TEXT NOT NULL,
                    dedupe_key TEXT,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX events_sequence ON events (app_id, sequence)",
                "CREATE INDEX events_customer ON events (app_id, customer_id, type, sequence)",
                // An event said once per fact (an invoice paid, a trial's end announced).
                "CREATE UNIQUE INDEX events_once ON events (app_id, dedupe_key) WHERE dedupe_key IS NOT NULL",
                """
                CREATE TABLE webhook_endpoints (
                    id TEXT PRIMARY KEY,
                    app_id TEXT NOT NULL REFERENCES apps (id),
                    url TEXT NOT NULL,
                    description TEXT,
                    event_types TEXT NOT NULL,
                    secret TEXT NOT NULL,
                    previous_secret TEXT,
                    previous_secret_expires_at BIGINT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    deleted_at BIGINT
                )
                """,
                "CREATE INDEX webhook_endpoints_app ON webhook_endpoints (app_id, id)",
                Self.deliveriesTable,
            ] + Self.deliveriesIndexes
        )
    }

    /// The deliveries table as made here (M0015 makes it again on SQLite).
    static let deliveriesTable = """
        CREATE TABLE event_deliveries (
            id TEXT PRIMARY KEY,
            app_id TEXT NOT NULL REFERENCES apps (id),
            event_id TEXT NOT NULL REFERENCES events (id),
            endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id),
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_at BIGINT,
            last_attempt_at BIGINT,
            last_response_status INTEGER,
            last_error TEXT,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL
        )
        """

    static let deliveriesIndexes = [
        "CREATE UNIQUE INDEX event_deliveries_once ON event_deliveries (event_id, endpoint_id)",
        "CREATE INDEX event_deliveries_app ON event_deliveries (app_id, id)",
        "CREATE INDEX event_deliveries_due ON event_deliveries (next_attempt_at) WHERE status = 'pending'",
    ]

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            "DROP TABLE event_deliveries", "DROP TABLE webhook_endpoints", "DROP TABLE events", "DROP TABLE event_heads",
        ])
    }
}
