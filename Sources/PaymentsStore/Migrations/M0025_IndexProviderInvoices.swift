import SQLKit

/// Invoices by their provider id alone: an event of a platform account about an invoice made at
/// the provider (no app in its metadata, no subscription) is routed to the app holding it.
struct M0025_IndexProviderInvoices: Migration {
    let version = 25
    let name = "index_provider_invoices"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute(["CREATE INDEX invoices_provider_invoice_id ON invoices (provider_invoice_id)"])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute(["DROP INDEX invoices_provider_invoice_id"])
    }
}
