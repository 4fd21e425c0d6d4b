import SQLKit

/// Events are written with their change and numbered after the commit (`EventSequencer`):
/// `sequence` stays NULL until then, found through a partial index. Writes no longer take the
/// app's `event_heads` row.
struct M0015_SequenceEventsAfterCommit: Migration {
    let version = 15
    let name = "sequence_events_after_commit"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        switch engine {
        case .postgres:
            try await db.execute(["ALTER TABLE events ALTER COLUMN sequence DROP NOT NULL"])
        case .sqlite:
            try await rebuild(db, nullable: true)
        }
        try await db.execute(["CREATE INDEX events_unsequenced ON events (id) WHERE sequence IS NULL"])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        // Every event must be sequenced first (an outbox pass of `serve` or `payments worker`).
        try await db.execute(["DROP INDEX events_unsequenced"])
        switch engine {
        case .postgres:
            try await db.execute(["ALTER TABLE events ALTER COLUMN sequence SET NOT NULL"])
        case .sqlite:
            try await rebuild(db, nullable: false)
        }
    }

    /// SQLite cannot drop a NOT NULL: `events` is made again, and `event_deliveries` (which
    /// refers to it, with foreign keys on) is set aside and made again after it, rows as they were.
    private func rebuild(_ db: any SQLDatabase, nullable: Bool) async throws {
        try await db.execute(
            [
                """
                CREATE TABLE events_rebuilt (
                    id TEXT PRIMARY KEY,
                    app_id TEXT NOT NULL REFERENCES apps (id),
                    sequence BIGINT\(nullable ? "" : " NOT NULL"),
                    type TEXT NOT NULL,
                    resource_type TEXT NOT NULL,
                    resource_id TEXT NOT NULL,
                    customer_id TEXT,
                    payload TEXT NOT NULL,
                    dedupe_key TEXT,
                    created_at BIGINT NOT NULL
                )
                """,
                "INSERT INTO events_rebuilt SELECT id, app_id, sequence, type, resource_type, resource_id, customer_id, payload, dedupe_key, created_at FROM events",
                "CREATE TABLE event_deliveries_aside AS SELECT * FROM event_deliveries",
                "DROP TABLE event_deliveries",
                "DROP TABLE events",
                "ALTER TABLE events_rebuilt RENAME TO events",
                "CREATE UNIQUE INDEX events_sequence ON events (app_id, sequence)",
                "CREATE INDEX events_customer ON events (app_id, customer_id, type, sequence)",
                "CREATE UNIQUE INDEX events_once ON events (app_id, dedupe_key) WHERE dedupe_key IS NOT NULL",
                M0011_CreateEvents.deliveriesTable,
                """
                INSERT INTO event_deliveries SELECT id, app_id, event_id, endpoint_id, status, attempts, next_attempt_at,
                    last_attempt_at, last_response_status, last_error, created_at, updated_at FROM event_deliveries_aside
                """,
                "DROP TABLE event_deliveries_aside",
            ] + M0011_CreateEvents.deliveriesIndexes
        )
    }
}
