import SQLKit

/// The inbox: provider events stored raw, exactly once per (provider, account, event id), then
/// processed by a worker (pending → processing → succeeded | failed | ignored, with a lease so a
/// crashed worker's event is taken again). `app_id` is set once the event is routed to an app.
struct M0009_CreateProviderEvents: Migration {
    let version = 9
    let name = "create_provider_events"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            """
            CREATE TABLE provider_events (
                id TEXT PRIMARY KEY,
                app_id TEXT REFERENCES apps (id),
                provider TEXT NOT NULL,
                account TEXT NOT NULL,
                provider_event_id TEXT NOT NULL,
                type TEXT NOT NULL,
                event_created_at BIGINT NOT NULL,
                received_at BIGINT NOT NULL,
                payload TEXT NOT NULL,
                status TEXT NOT NULL,
                attempts BIGINT NOT NULL,
                next_attempt_at BIGINT NOT NULL,
                lease_until BIGINT,
                last_error TEXT,
                processed_at BIGINT,
                UNIQUE (provider, account, provider_event_id)
            )
            """,
            "CREATE INDEX provider_events_due ON provider_events (status, next_attempt_at)",
            "CREATE INDEX provider_events_app ON provider_events (app_id, id)",
        ])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute(["DROP TABLE provider_events"])
    }
}
