import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One app's webhook endpoints. A deleted endpoint keeps its row (its deliveries point at it)
/// and is invisible afterwards.
public struct WebhookEndpointRepository: Sendable {
    let session: Session
    let appID: App.ID

    static let columns: SQLQueryString = """
        id, app_id, url, description, event_types, secret, previous_secret, previous_secret_expires_at, created_at, updated_at
        """

    public func insert(_ e: WebhookEndpoint) async throws {
        try await session.db.raw(
            """
            INSERT INTO webhook_endpoints (\(Self.columns), deleted_at)
            VALUES (\(bind: e.id.rawValue), \(bind: appID.rawValue), \(bind: e.url), \(bind: e.description),
                    \(bind: try StoreJSON.encode(e.eventTypes)), \(bind: e.sealedSecret), \(bind: e.sealedPreviousSecret),
                    \(bind: e.previousSecretExpiresAt?.millis), \(bind: e.createdAt.millis), \(bind: e.updatedAt.millis), NULL)
            """
        ).run()
    }

    public func update(_ e: WebhookEndpoint) async throws {
        try await session.db.raw(
            """
            UPDATE webhook_endpoints SET description = \(bind: e.description), event_types = \(bind: try StoreJSON.encode(e.eventTypes)),
                secret = \(bind: e.sealedSecret), previous_secret = \(bind: e.sealedPreviousSecret),
                previous_secret_expires_at = \(bind: e.previousSecretExpiresAt?.millis), updated_at = \(bind: e.updatedAt.millis)
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: e.id.rawValue)
            """
        ).run()
    }

    public func find(_ id: WebhookEndpoint.ID) async throws -> WebhookEndpoint? {
        try await session.db.raw(
            """
            SELECT \(Self.columns) FROM webhook_endpoints
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: id.rawValue) AND deleted_at IS NULL\(session.forUpdate)
            """
        ).first().map(Self.decode)
    }

    /// Every live endpoint of the app (the fan-out of a new event).
    public func all() async throws -> [WebhookEndpoint] { try await Self.all(of: appID, session.db) }

    /// The app's endpoints (not deleted), for the event sequencer, which works outside a session.
    static func all(of app: App.ID, _ db: any SQLDatabase) async throws -> [WebhookEndpoint] {
        try await db.raw(
            "SELECT \(columns) FROM webhook_endpoints WHERE app_id = \(bind: app.rawValue) AND deleted_at IS NULL ORDER BY id"
        ).all().map(decode)
    }

    public func count() async throws -> Int {
        try await session.db.raw(
            "SELECT COUNT(*) AS n FROM webhook_endpoints WHERE app_id = \(bind: appID.rawValue) AND deleted_at IS NULL"
        ).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    public func list(_ page: PageRequest) async throws -> Page<WebhookEndpoint> {
        var filter: SQLQueryString = ""
        if let after = page.startingAfter { filter = " AND id < \(bind: after)" }
        let rows = try await session.db.raw(
            """
            SELECT \(Self.columns) FROM webhook_endpoints WHERE app_id = \(bind: appID.rawValue) AND deleted_at IS NULL\(filter)
            ORDER BY id DESC LIMIT \(bind: page.limit + 1)
            """
        ).all()
        return Page(fetched: try rows.map(Self.decode), limit: page.limit)
    }

    /// Deletes the endpoint; its deliveries still waiting become dead. Their rows are locked in id
    /// order, the order the outbox records attempts in, so the two never deadlock.
    public func delete(_ id: WebhookEndpoint.ID) async throws {
        try await session.db.raw(
            """
            UPDATE webhook_endpoints SET deleted_at = \(bind: session.now.millis), updated_at = \(bind: session.now.millis)
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: id.rawValue)
            """
        ).run()
        try await session.db.raw(
            """
            UPDATE event_deliveries SET status = 'dead', next_attempt_at = NULL, last_error = 'endpoint deleted',
                updated_at = \(bind: session.now.millis)
            WHERE id IN (
                SELECT id FROM event_deliveries
                WHERE app_id = \(bind: appID.rawValue) AND endpoint_id = \(bind: id.rawValue) AND status = 'pending'
                ORDER BY id\(session.forUpdate)
            )
            """
        ).run()
    }

    static func decode(_ row: any SQLRow) throws -> WebhookEndpoint {
        WebhookEndpoint(
            id: .init(rawValue: try row.decode(column: "id", as: String.self)),
            appID: .init(rawValue: try row.decode(column: "app_id", as: String.self)),
            url: try row.decode(column: "url", as: String.self),
            description: try row.decode(column: "description", as: String?.self),
            eventTypes: try StoreJSON.decode([Event.Kind].self, try row.decode(column: "event_types", as: String.self)),
            sealedSecret: try row.decode(column: "secret", as: String.self),
            sealedPreviousSecret: try row.decode(column: "previous_secret", as: String?.self),
            previousSecretExpiresAt: try row.optionalDate("previous_secret_expires_at"),
            createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at")
        )
    }
}
