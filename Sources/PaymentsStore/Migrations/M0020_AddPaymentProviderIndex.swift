import SQLKit

/// The inbox finds the payment a provider event is about by the provider's id for it. Without an
/// index that look-up read every payment of the app, once per event: a backlog of a few thousand
/// events after a burst of charges kept a core busy for minutes, and every route slower with it.
struct M0020_AddPaymentProviderIndex: Migration {
    let version = 20
    let name = "add_payment_provider_index"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            "CREATE INDEX payments_provider ON payments (app_id, provider, provider_payment_id)"
        ])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute(["DROP INDEX payments_provider"])
    }
}
