import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One app's grace periods.
public struct GracePeriodRepository: Sendable {
    let session: Session
    let appID: App.ID

    static let columns: SQLQueryString = """
        id, app_id, customer_id, subscription_id, reason, status, starts_at, ends_at, closed_at, resolution, created_at, updated_at
        """
    /// The columns, and the customer's external id (the id the app holds), read with the row.
    static let selection: SQLQueryString =
        Self.columns + ", (SELECT external_id FROM customers WHERE customers.id = grace_periods.customer_id) AS customer_external_id"

    public func find(_ id: GracePeriod.ID) async throws -> GracePeriod? {
        try await session.db.raw(
            "SELECT \(Self.selection) FROM grace_periods WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: id.rawValue)\(session.forUpdate)"
        ).first().map(Self.decode)
    }

    public func open(customer: Customer.ID, reason: GracePeriod.Reason) async throws -> GracePeriod? {
        try await session.db.raw(
            """
            SELECT \(Self.selection) FROM grace_periods
            WHERE app_id = \(bind: appID.rawValue) AND customer_id = \(bind: customer.rawValue) AND reason = \(bind: reason.rawValue)
              AND status = 'open'\(session.forUpdate)
            """
        ).first().map(Self.decode)
    }

    /// Open periods whose end has passed by `now` (the app's clock).
    public func due(at now: Date) async throws -> [GracePeriod] {
        try await session.db.raw(
            """
            SELECT \(Self.selection) FROM grace_periods
            WHERE app_id = \(bind: appID.rawValue) AND status = 'open' AND ends_at <= \(bind: now.millis)\(session.forUpdate)
            """
        ).all().map(Self.decode)
    }

    public func list(customer: Customer.ID?, status: GracePeriod.Status?, _ page: PageRequest) async throws -> Page<GracePeriod> {
        var filter: SQLQueryString = ""
        if let customer { filter = filter + " AND customer_id = \(bind: customer.rawValue)" }
        if let status { filter = filter + " AND status = \(bind: status.rawValue)" }
        if let after = page.startingAfter { filter = filter + " AND id < \(bind: after)" }
        let rows = try await session.db.raw(
            """
            SELECT \(Self.selection) FROM grace_periods WHERE app_id = \(bind: appID.rawValue)\(filter)
            ORDER BY id DESC LIMIT \(bind: page.limit + 1)
            """
        ).all()
        return Page(fetched: try rows.map(Self.decode), limit: page.limit)
    }

    /// - Returns: false when the customer already has one open for the reason.
    public func insert(_ g: GracePeriod) async throws -> Bool {
        _ = try session.requireWrite()
        return try await session.db.raw(
            """
            INSERT INTO grace_periods (\(Self.columns))
            VALUES (\(bind: g.id.rawValue), \(bind: appID.rawValue), \(bind: g.customerID.rawValue), \(bind: g.subscriptionID?.rawValue),
                    \(bind: g.reason.rawValue), \(bind: g.status.rawValue), \(bind: g.startsAt.millis), \(bind: g.endsAt.millis),
                    \(bind: g.closedAt?.millis), \(bind: g.resolution), \(bind: g.createdAt.millis), \(bind: g.updatedAt.millis))
            ON CONFLICT (app_id, customer_id, reason) WHERE status = 'open' DO NOTHING
            RETURNING id
            """
        ).first() != nil
    }

    public func update(_ g: GracePeriod) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            UPDATE grace_periods SET status = \(bind: g.status.rawValue), closed_at = \(bind: g.closedAt?.millis),
                resolution = \(bind: g.resolution), updated_at = \(bind: g.updatedAt.millis)
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: g.id.rawValue)
            """
        ).run()
    }

    static func decode(_ row: any SQLRow) throws -> GracePeriod {
        GracePeriod(
            id: .init(rawValue: try row.decode(column: "id", as: String.self)),
            appID: .init(rawValue: try row.decode(column: "app_id", as: String.self)),
            customerID: .init(rawValue: try row.decode(column: "customer_id", as: String.self)),
            customerExternalID: try row.decode(column: "customer_external_id", as: String.self),
            subscriptionID: try row.decode(column: "subscription_id", as: String?.self).map(Subscription.ID.init(rawValue:)),
            reason: try row.enumValue("reason"),
            status: try row.enumValue("status"),
            startsAt: try row.date("starts_at"),
            endsAt: try row.date("ends_at"),
            closedAt: try row.optionalDate("closed_at"),
            resolution: try row.decode(column: "resolution", as: String?.self),
            createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at")
        )
    }
}
