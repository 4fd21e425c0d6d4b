import SQLKit

/// The inbox's claim takes pending events oldest first: an index in that order hands them over
/// without sorting the whole backlog (the one on `(status, next_attempt_at)` it replaces made the
/// planners sort every pending event on each claim).
struct M0013_AddInboxClaimIndex: Migration {
    let version = 13
    let name = "add_inbox_claim_index"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            "CREATE INDEX provider_events_claim ON provider_events (status, event_created_at, id)",
            "DROP INDEX provider_events_due",
        ])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            "CREATE INDEX provider_events_due ON provider_events (status, next_attempt_at)",
            "DROP INDEX provider_events_claim",
        ])
    }
}
