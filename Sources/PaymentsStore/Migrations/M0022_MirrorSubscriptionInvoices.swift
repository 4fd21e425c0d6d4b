import SQLKit

/// Subscription invoices a provider makes (renewals, usage) are mirrored as invoices of ours: an
/// invoice names the subscription it bills and the period; a line keeps the amount the provider
/// charged, which tiers make other than quantity × a unit amount (so `unit_amount` may be NULL).
/// A provider invoice is mirrored once: its id is unique per app and provider.
struct M0022_MirrorSubscriptionInvoices: Migration {
    let version = 22
    let name = "mirror_subscription_invoices"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            "ALTER TABLE invoices ADD COLUMN subscription_id TEXT",
            "ALTER TABLE invoices ADD COLUMN period_start BIGINT",
            "ALTER TABLE invoices ADD COLUMN period_end BIGINT",
            "CREATE INDEX invoices_subscription ON invoices (app_id, subscription_id)",
            // One invoice of ours per provider invoice, whichever event shows it first.
            "DROP INDEX invoices_provider",
            "CREATE UNIQUE INDEX invoices_provider ON invoices (app_id, provider, provider_invoice_id)",
        ])
        switch engine {
        case .postgres:
            try await db.execute([
                "ALTER TABLE invoice_lines ADD COLUMN amount BIGINT",
                "UPDATE invoice_lines SET amount = quantity * unit_amount",
                "ALTER TABLE invoice_lines ALTER COLUMN amount SET NOT NULL, ALTER COLUMN unit_amount DROP NOT NULL",
            ])
        case .sqlite:
            // SQLite cannot drop a NOT NULL: the table is made again, its rows copied.
            try await db.execute([
                """
                CREATE TABLE invoice_lines_rebuilt (
                    id TEXT PRIMARY KEY,
                    app_id TEXT NOT NULL REFERENCES apps (id),
                    invoice_id TEXT NOT NULL REFERENCES invoices (id),
                    description TEXT NOT NULL,
                    quantity BIGINT NOT NULL,
                    unit_amount BIGINT,
                    currency TEXT NOT NULL,
                    price_id TEXT,
                    location_id TEXT,
                    period_start BIGINT,
                    period_end BIGINT,
                    metadata TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    amount BIGINT NOT NULL
                )
                """,
                """
                INSERT INTO invoice_lines_rebuilt
                SELECT id, app_id, invoice_id, description, quantity, unit_amount, currency, price_id, location_id, period_start,
                       period_end, metadata, created_at, quantity * unit_amount
                FROM invoice_lines
                """,
                "DROP TABLE invoice_lines",
                "ALTER TABLE invoice_lines_rebuilt RENAME TO invoice_lines",
                "CREATE INDEX invoice_lines_invoice ON invoice_lines (app_id, invoice_id, id)",
            ])
        }
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        // Lines without a unit amount (mirrored ones) cannot go back: remove mirrored invoices first.
        try await db.execute([
            "DROP INDEX invoices_subscription",
            "DROP INDEX invoices_provider",
            "CREATE INDEX invoices_provider ON invoices (app_id, provider, provider_invoice_id)",
            "ALTER TABLE invoices DROP COLUMN subscription_id",
            "ALTER TABLE invoices DROP COLUMN period_start",
            "ALTER TABLE invoices DROP COLUMN period_end",
        ])
        switch engine {
        case .postgres:
            try await db.execute(["ALTER TABLE invoice_lines DROP COLUMN amount, ALTER COLUMN unit_amount SET NOT NULL"])
        case .sqlite:
            try await db.execute(["ALTER TABLE invoice_lines DROP COLUMN amount"])
        }
    }
}
