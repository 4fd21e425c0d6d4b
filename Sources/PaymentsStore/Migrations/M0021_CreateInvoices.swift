import SQLKit

/// Invoices of ours: drafts and their lines, and each app's numbering (its prefix and the next
/// number, taken in the transaction that finalizes, so a number is used once and none is skipped).
/// Totals are stored beside the lines they are computed from, for lists and filters. Every change
/// of a payment looks for the invoice it pays, by its link or by the operation that made it: both
/// look-ups are indexed.
struct M0021_CreateInvoices: Migration {
    let version = 21
    let name = "create_invoices"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            """
            CREATE TABLE invoices (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL REFERENCES apps (id),
                customer_id TEXT NOT NULL REFERENCES customers (id),
                number TEXT,
                status TEXT NOT NULL,
                currency TEXT NOT NULL,
                collection TEXT NOT NULL,
                location_id TEXT,
                due_date BIGINT,
                days_until_due BIGINT,
                memo TEXT,
                metadata TEXT NOT NULL,
                total BIGINT NOT NULL,
                amount_paid BIGINT NOT NULL,
                payment_id TEXT,
                payment_reference TEXT,
                payment_attempts BIGINT NOT NULL,
                payment_attempt_open BIGINT NOT NULL,
                provider TEXT,
                provider_invoice_id TEXT,
                hosted_url TEXT,
                pdf_url TEXT,
                collection_key TEXT,
                finalized_at BIGINT,
                paid_at BIGINT,
                voided_at BIGINT,
                marked_uncollectible_at BIGINT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX invoices_app ON invoices (app_id, id)",
            "CREATE INDEX invoices_customer ON invoices (app_id, customer_id, id)",
            "CREATE UNIQUE INDEX invoices_number ON invoices (app_id, number)",
            "CREATE INDEX invoices_payment ON invoices (app_id, payment_id)",
            "CREATE INDEX invoices_provider ON invoices (app_id, provider, provider_invoice_id)",
            "CREATE INDEX provider_operations_target ON provider_operations (app_id, kind, target_id)",
            """
            CREATE TABLE invoice_lines (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL REFERENCES apps (id),
                invoice_id TEXT NOT NULL REFERENCES invoices (id),
                description TEXT NOT NULL,
                quantity BIGINT NOT NULL,
                unit_amount BIGINT NOT NULL,
                currency TEXT NOT NULL,
                price_id TEXT,
                location_id TEXT,
                period_start BIGINT,
                period_end BIGINT,
                metadata TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX invoice_lines_invoice ON invoice_lines (app_id, invoice_id, id)",
            """
            CREATE TABLE invoice_numbering (
                app_id TEXT PRIMARY KEY REFERENCES apps (id),
                prefix TEXT NOT NULL,
                next_number BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
        ])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            "DROP INDEX provider_operations_target", "DROP TABLE invoice_numbering", "DROP TABLE invoice_lines", "DROP TABLE invoices",
        ])
    }
}
