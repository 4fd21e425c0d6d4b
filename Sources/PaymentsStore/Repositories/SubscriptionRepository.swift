import PaymentsDomain
import SQLKit

/// One app's subscriptions.
public struct SubscriptionRepository: Sendable {
    let session: Session
    let appID: App.ID

    static let columns: SQLQueryString = """
        id, app_id, customer_id, plan_id, price_id, quantity, items, status, provider, provider_subscription_id,
        current_period_start, current_period_end, trial_end, cancel_at_period_end, canceled_at, ended_at,
        created_at, updated_at
        """
    /// The columns, and the customer's external id (the id the app holds), read with the row.
    static let selection: SQLQueryString =
        Self.columns + ", (SELECT external_id FROM customers WHERE customers.id = subscriptions.customer_id) AS customer_external_id"

    public func find(_ id: Subscription.ID) async throws -> Subscription? {
        try await session.db.raw(
            """
            SELECT \(Self.selection) FROM subscriptions
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: id.rawValue)\(session.forUpdate)
            """
        ).first().map(Self.decode)
    }

    public func find(provider: ProviderName, providerID: String) async throws -> Subscription? {
        try await session.db.raw(
            """
            SELECT \(Self.selection) FROM subscriptions
            WHERE app_id = \(bind: appID.rawValue) AND provider = \(bind: provider.rawValue)
              AND provider_subscription_id = \(bind: providerID)\(session.forUpdate)
            """
        ).first().map(Self.decode)
    }

    /// Every subscription of the customer, page by page (what drift reconciliation compares).
    public func all(customer: Customer.ID) async throws -> [Subscription] {
        try await Page.all(cursor: \.id.rawValue) { try await list(customer: customer, status: nil, $0) }
    }

    /// Subscriptions newest first, filtered by customer and status.
    public func list(
        customer: Customer.ID?,
        status: Subscription.Status?,
        _ page: PageRequest
    ) async throws
        -> Page<Subscription>
    {
        var filter: SQLQueryString = ""
        if let customer { filter = filter + " AND customer_id = \(bind: customer.rawValue)" }
        if let status { filter = filter + " AND status = \(bind: status.rawValue)" }
        if let after = page.startingAfter { filter = filter + " AND id < \(bind: after)" }
        let rows = try await session.db.raw(
            """
            SELECT \(Self.selection) FROM subscriptions WHERE app_id = \(bind: appID.rawValue)\(filter)
            ORDER BY id DESC LIMIT \(bind: page.limit + 1)
            """
        ).all()
        return Page(fetched: try rows.map(Self.decode), limit: page.limit)
    }

    /// Live subscriptions with a provider id (what a clock advance may have changed).
    public func live(provider: ProviderName) async throws -> [Subscription] {
        try await session.db.raw(
            """
            SELECT \(Self.selection) FROM subscriptions
            WHERE app_id = \(bind: appID.rawValue) AND provider = \(bind: provider.rawValue)
              AND provider_subscription_id IS NOT NULL AND status NOT IN ('canceled', 'incomplete_expired')
            ORDER BY id
            """
        ).all().map(Self.decode)
    }

    /// The customers with a live subscription to `plan`.
    public func liveCustomers(plan: Plan.ID) async throws -> [Customer.ID] {
        try await session.db.raw(
            """
            SELECT DISTINCT customer_id FROM subscriptions
            WHERE app_id = \(bind: appID.rawValue) AND plan_id = \(bind: plan.rawValue) AND status NOT IN ('canceled', 'incomplete_expired')
            ORDER BY customer_id
            """
        ).all().map { Customer.ID(rawValue: try $0.decode(column: "customer_id", as: String.self)) }
    }

    public func insert(_ s: Subscription) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            INSERT INTO subscriptions (\(Self.columns))
            VALUES (\(bind: s.id.rawValue), \(bind: appID.rawValue), \(bind: s.customerID.rawValue),
                    \(bind: s.planID.rawValue), \(bind: s.priceID.rawValue), \(bind: s.quantity),
                    \(bind: try StoreJSON.encode(s.items)), \(bind: s.status.rawValue),
                    \(bind: s.provider.rawValue), \(bind: s.providerSubscriptionID), \(bind: s.currentPeriodStart?.millis),
                    \(bind: s.currentPeriodEnd?.millis), \(bind: s.trialEnd?.millis), \(bind: s.cancelAtPeriodEnd ? 1 : 0),
                    \(bind: s.canceledAt?.millis), \(bind: s.endedAt?.millis), \(bind: s.createdAt.millis),
                    \(bind: s.updatedAt.millis))
            """
        ).run()
    }

    public func update(_ s: Subscription) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            UPDATE subscriptions SET plan_id = \(bind: s.planID.rawValue), price_id = \(bind: s.priceID.rawValue),
                quantity = \(bind: s.quantity), items = \(bind: try StoreJSON.encode(s.items)), status = \(bind: s.status.rawValue),
                provider_subscription_id = \(bind: s.providerSubscriptionID),
                current_period_start = \(bind: s.currentPeriodStart?.millis),
                current_period_end = \(bind: s.currentPeriodEnd?.millis), trial_end = \(bind: s.trialEnd?.millis),
                cancel_at_period_end = \(bind: s.cancelAtPeriodEnd ? 1 : 0), canceled_at = \(bind: s.canceledAt?.millis),
                ended_at = \(bind: s.endedAt?.millis), updated_at = \(bind: s.updatedAt.millis)
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: s.id.rawValue)
            """
        ).run()
    }

    static func decode(_ row: any SQLRow) throws -> Subscription {
        Subscription(
            id: .init(rawValue: try row.decode(column: "id", as: String.self)),
            appID: .init(rawValue: try row.decode(column: "app_id", as: String.self)),
            customerID: .init(rawValue: try row.decode(column: "customer_id", as: String.self)),
            customerExternalID: try row.decode(column: "customer_external_id", as: String.self),
            planID: .init(rawValue: try row.decode(column: "plan_id", as: String.self)),
            priceID: .init(rawValue: try row.decode(column: "price_id", as: String.self)),
            quantity: try row.decode(column: "quantity", as: Int.self),
            items: try StoreJSON.decode([Subscription.Item].self, try row.decode(column: "items", as: String.self)),
            status: try row.enumValue("status"),
            provider: try row.enumValue("provider"),
            providerSubscriptionID: try row.decode(column: "provider_subscription_id", as: String?.self),
            currentPeriodStart: try row.optionalDate("current_period_start"),
            currentPeriodEnd: try row.optionalDate("current_period_end"),
            trialEnd: try row.optionalDate("trial_end"),
            cancelAtPeriodEnd: try row.decode(column: "cancel_at_period_end", as: Int.self) == 1,
            canceledAt: try row.optionalDate("canceled_at"),
            endedAt: try row.optionalDate("ended_at"),
            createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at")
        )
    }
}

extension SQLRow {
    /// A column holding an enum's raw value.
    func enumValue<T: RawRepresentable>(_ column: String) throws -> T where T.RawValue == String {
        let raw = try decode(column: column, as: String.self)
        guard let value = T(rawValue: raw) else { throw StoreError.inconsistent("\(column) = \(raw)") }
        return value
    }

    func optionalEnum<T: RawRepresentable>(_ column: String) throws -> T? where T.RawValue == String {
        guard let raw = try decode(column: column, as: String?.self) else { return nil }
        guard let value = T(rawValue: raw) else { throw StoreError.inconsistent("\(column) = \(raw)") }
        return value
    }
}

extension Session {
    /// The apps with a live subscription (what the usage reporter passes over).
    public func appsWithLiveSubscriptions() async throws -> [App.ID] {
        try await db.raw("SELECT DISTINCT app_id FROM subscriptions WHERE status NOT IN ('canceled', 'incomplete_expired')")
            .all().map { App.ID(rawValue: try $0.decode(column: "app_id", as: String.self)) }
    }

    /// The apps holding a subscription with this provider id: how an event of the platform account
    /// that carries no app of its own (an invoice without metadata) finds its app.
    /// The apps holding an invoice by that provider id (one, unless two apps share an account).
    public func invoiceOwners(provider: ProviderName, providerInvoiceID: String) async throws -> [App.ID] {
        try await db.raw(
            """
            SELECT DISTINCT app_id FROM invoices
            WHERE provider_invoice_id = \(bind: providerInvoiceID) AND provider = \(bind: provider.rawValue)
            """
        ).all().map { App.ID(rawValue: try $0.decode(column: "app_id", as: String.self)) }
    }

    public func subscriptionOwners(provider: ProviderName, providerID: String) async throws -> [App.ID] {
        try await db.raw(
            """
            SELECT DISTINCT app_id FROM subscriptions
            WHERE provider = \(bind: provider.rawValue) AND provider_subscription_id = \(bind: providerID)
            """
        ).all().map { App.ID(rawValue: try $0.decode(column: "app_id", as: String.self)) }
    }
}
