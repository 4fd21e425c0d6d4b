import PaymentsDomain
import SQLKit

/// Apps (platform-level: not scoped to one app).
public struct AppRepository: Sendable {
    let session: Session

    static let columns: SQLQueryString = "id, name, mode, created_at, grace_period_days"

    /// Inserts an app and the head of its audit chain.
    public func insert(_ app: App) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            INSERT INTO apps (\(Self.columns))
            VALUES (\(bind: app.id.rawValue), \(bind: app.name), \(bind: app.mode.rawValue), \(bind: app.createdAt.millis),
                    \(bind: app.gracePeriodDays))
            """
        ).run()
        try await session.db.raw(
            "INSERT INTO audit_heads (app_id, sequence, hash) VALUES (\(bind: app.id.rawValue), 0, '')"
        ).run()
    }

    /// Saves the name and the default grace period length.
    public func update(_ app: App) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            UPDATE apps SET name = \(bind: app.name), grace_period_days = \(bind: app.gracePeriodDays)
            WHERE id = \(bind: app.id.rawValue)
            """
        ).run()
    }

    public func find(_ id: App.ID) async throws -> App? {
        try await session.db.raw("SELECT \(Self.columns) FROM apps WHERE id = \(bind: id.rawValue)")
            .first().map(Self.decode)
    }

    /// Apps newest first.
    public func list(_ page: PageRequest) async throws -> Page<App> {
        let after: SQLQueryString = page.startingAfter.map { " WHERE id < \(bind: $0)" } ?? ""
        let rows = try await session.db.raw(
            "SELECT \(Self.columns) FROM apps\(after) ORDER BY id DESC LIMIT \(bind: page.limit + 1)"
        ).all()
        return Page(fetched: try rows.map(Self.decode), limit: page.limit)
    }

    /// Whether any live-mode app exists (which makes the deployment a production one).
    public func anyLive() async throws -> Bool {
        try await session.db.raw("SELECT id FROM apps WHERE mode = 'live' LIMIT 1").first() != nil
    }

    static func decode(_ row: any SQLRow) throws -> App {
        let mode = try row.decode(column: "mode", as: String.self)
        return App(
            id: App.ID(rawValue: try row.decode(column: "id", as: String.self)),
            name: try row.decode(column: "name", as: String.self),
            mode: App.Mode(rawValue: mode) ?? .test,
            createdAt: try row.date("created_at"),
            gracePeriodDays: try row.decode(column: "grace_period_days", as: Int?.self)
        )
    }
}
