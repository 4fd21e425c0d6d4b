import SQLKit

/// An app's default grace period length, used when the plan names none.
struct M0012_AddAppGracePeriodDays: Migration {
    let version = 12
    let name = "add_app_grace_period_days"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute(["ALTER TABLE apps ADD COLUMN grace_period_days INTEGER"])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute(["ALTER TABLE apps DROP COLUMN grace_period_days"])
    }
}
