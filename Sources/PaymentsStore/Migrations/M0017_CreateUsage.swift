import SQLKit

/// Usage: the events as the apps sent them (kept for ever, one per app and id), and what reads
/// use instead of scanning them: a rollup per customer, metric and period (in a few shards on
/// PostgreSQL, so that one customer's concurrent events do not queue on one row), updated in the same
/// transaction as each event, the distinct values `unique_count` metrics have seen, and the
/// limit thresholds reached.
struct M0017_CreateUsage: Migration {
    let version = 17
    let name = "create_usage"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            """
            CREATE TABLE usage_events (
                app_id TEXT NOT NULL REFERENCES apps (id),
                id TEXT NOT NULL,
                customer_id TEXT NOT NULL REFERENCES customers (id),
                metric TEXT NOT NULL,
                value DOUBLE PRECISION NOT NULL,
                timestamp BIGINT NOT NULL,
                properties TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                period_start BIGINT NOT NULL,
                period_end BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (app_id, id)
            )
            """,
            "CREATE INDEX usage_events_period ON usage_events (app_id, customer_id, metric, period_start)",
            """
            CREATE TABLE usage_rollups (
                app_id TEXT NOT NULL REFERENCES apps (id),
                customer_id TEXT NOT NULL REFERENCES customers (id),
                metric TEXT NOT NULL,
                period_start BIGINT NOT NULL,
                period_end BIGINT NOT NULL,
                shard BIGINT NOT NULL,
                value DOUBLE PRECISION NOT NULL,
                events BIGINT NOT NULL,
                last_timestamp BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (app_id, customer_id, metric, period_start, shard)
            )
            """,
            """
            CREATE TABLE usage_distinct (
                app_id TEXT NOT NULL REFERENCES apps (id),
                customer_id TEXT NOT NULL,
                metric TEXT NOT NULL,
                period_start BIGINT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (app_id, customer_id, metric, period_start, value)
            )
            """,
            // The thresholds (80, 100 % of a plan's limit) a customer's usage of a metric has
            // reached in a period: each announced once.
            """
            CREATE TABLE usage_thresholds (
                app_id TEXT NOT NULL REFERENCES apps (id),
                customer_id TEXT NOT NULL,
                metric TEXT NOT NULL,
                period_start BIGINT NOT NULL,
                threshold BIGINT NOT NULL,
                reached_at BIGINT NOT NULL,
                PRIMARY KEY (app_id, customer_id, metric, period_start, threshold)
            )
            """,
        ])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute(["DROP TABLE usage_thresholds", "DROP TABLE usage_distinct", "DROP TABLE usage_rollups", "DROP TABLE usage_events"])
    }
}
