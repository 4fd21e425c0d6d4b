import PaymentsDomain
import SQLKit

/// One app's checkout sessions.
public struct CheckoutSessionRepository: Sendable {
    let session: Session
    let appID: App.ID

    static let columns: SQLQueryString = """
        id, app_id, customer_id, mode, plan_id, price_id, quantity, trial_period_days, success_url, cancel_url,
        metadata, status, url, expires_at, provider, provider_session_id, subscription_id, payment_id, created_at,
        updated_at
        """
    /// The columns, and the customer's external id (the id the app holds), read with the row.
    static let selection: SQLQueryString =
        Self.columns + ", (SELECT external_id FROM customers WHERE customers.id = checkout_sessions.customer_id) AS customer_external_id"

    /// By our id (`cs_...`) or the provider's.
    public func find(_ id: String) async throws -> CheckoutSession? {
        try await session.db.raw(
            """
            SELECT \(Self.selection) FROM checkout_sessions
            WHERE app_id = \(bind: appID.rawValue) AND (id = \(bind: id) OR provider_session_id = \(bind: id))
            \(session.forUpdate)
            """
        ).first().map(Self.decode)
    }

    public func insert(_ c: CheckoutSession) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            INSERT INTO checkout_sessions (\(Self.columns))
            VALUES (\(bind: c.id.rawValue), \(bind: appID.rawValue), \(bind: c.customerID.rawValue), \(bind: c.mode.rawValue),
                    \(bind: c.planID.rawValue), \(bind: c.priceID.rawValue), \(bind: c.quantity), \(bind: c.trialPeriodDays),
                    \(bind: c.successURL), \(bind: c.cancelURL), \(bind: try StoreJSON.encode(c.metadata)),
                    \(bind: c.status.rawValue), \(bind: c.url), \(bind: c.expiresAt?.millis), \(bind: c.provider.rawValue),
                    \(bind: c.providerSessionID), \(bind: c.subscriptionID?.rawValue), \(bind: c.paymentID?.rawValue),
                    \(bind: c.createdAt.millis), \(bind: c.updatedAt.millis))
            """
        ).run()
    }

    public func update(_ c: CheckoutSession) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            UPDATE checkout_sessions SET status = \(bind: c.status.rawValue), url = \(bind: c.url),
                expires_at = \(bind: c.expiresAt?.millis), provider_session_id = \(bind: c.providerSessionID),
                subscription_id = \(bind: c.subscriptionID?.rawValue), payment_id = \(bind: c.paymentID?.rawValue),
                updated_at = \(bind: c.updatedAt.millis)
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: c.id.rawValue)
            """
        ).run()
    }

    static func decode(_ row: any SQLRow) throws -> CheckoutSession {
        CheckoutSession(
            id: .init(rawValue: try row.decode(column: "id", as: String.self)),
            appID: .init(rawValue: try row.decode(column: "app_id", as: String.self)),
            customerID: .init(rawValue: try row.decode(column: "customer_id", as: String.self)),
            customerExternalID: try row.decode(column: "customer_external_id", as: String.self),
            mode: try row.enumValue("mode"),
            planID: .init(rawValue: try row.decode(column: "plan_id", as: String.self)),
            priceID: .init(rawValue: try row.decode(column: "price_id", as: String.self)),
            quantity: try row.decode(column: "quantity", as: Int.self),
            trialPeriodDays: try row.decode(column: "trial_period_days", as: Int?.self),
            successURL: try row.decode(column: "success_url", as: String.self),
            cancelURL: try row.decode(column: "cancel_url", as: String?.self),
            metadata: try StoreJSON.decode([String: String].self, row.decode(column: "metadata", as: String.self)),
            status: try row.enumValue("status"),
            url: try row.decode(column: "url", as: String?.self),
            expiresAt: try row.optionalDate("expires_at"),
            provider: try row.enumValue("provider"),
            providerSessionID: try row.decode(column: "provider_session_id", as: String?.self),
            subscriptionID: try row.decode(column: "subscription_id", as: String?.self).map(Subscription.ID.init(rawValue:)),
            paymentID: try row.decode(column: "payment_id", as: String?.self).map(Payment.ID.init(rawValue:)),
            createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at")
        )
    }
}
