import SQLKit

/// Drift reconciliation's runs: when, for which app, what differed (as JSON: read whole, never
/// queried inside) and how much is still open. A periodic run takes its app's time slot, unique,
/// so one instance runs it.
struct M0023_CreateReconciliationRuns: Migration {
    let version = 23
    let name = "create_reconciliation_runs"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            """
            CREATE TABLE reconciliation_runs (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL REFERENCES apps (id),
                provider TEXT NOT NULL,
                fix BIGINT NOT NULL,
                since BIGINT,
                slot TEXT,
                status TEXT NOT NULL,
                differences TEXT NOT NULL,
                open_differences BIGINT NOT NULL,
                error TEXT,
                started_at BIGINT NOT NULL,
                finished_at BIGINT
            )
            """,
            "CREATE INDEX reconciliation_runs_app ON reconciliation_runs (app_id, id)",
            "CREATE UNIQUE INDEX reconciliation_runs_slot ON reconciliation_runs (app_id, slot)",
        ])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute(["DROP TABLE reconciliation_runs"])
    }
}
