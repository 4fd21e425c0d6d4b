import PaymentsDomain
import SQLKit

/// One app's payments and their refunds.
public struct PaymentRepository: Sendable {
    let session: Session
    let appID: App.ID

    static let columns: SQLQueryString = """
        id, app_id, customer_id, amount, currency, amount_refunded, status, description, metadata, provider,
        provider_payment_id, failure, created_at, updated_at
        """
    /// The columns, and the customer's external id (the id the app holds), read with the row.
    static let selection: SQLQueryString =
        Self.columns + ", (SELECT external_id FROM customers WHERE customers.id = payments.customer_id) AS customer_external_id"
    static let refundColumns: SQLQueryString = """
        id, app_id, payment_id, amount, currency, reason, status, provider_refund_id, created_at, updated_at
        """

    public func find(_ id: Payment.ID) async throws -> Payment? {
        try await session.db.raw(
            """
            SELECT \(Self.selection) FROM payments
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: id.rawValue)\(session.forUpdate)
            """
        ).first().map(Self.decode)
    }

    public func find(provider: ProviderName, providerID: String) async throws -> Payment? {
        try await session.db.raw(
            """
            SELECT \(Self.selection) FROM payments
            WHERE app_id = \(bind: appID.rawValue) AND provider = \(bind: provider.rawValue)
              AND provider_payment_id = \(bind: providerID)
            """
        ).first().map(Self.decode)
    }

    /// Every payment of the customer, page by page (what drift reconciliation compares).
    public func all(customer: Customer.ID) async throws -> [Payment] {
        try await Page.all(cursor: \.id.rawValue) { try await list(customer: customer, $0) }
    }

    public func list(customer: Customer.ID?, _ page: PageRequest) async throws -> Page<Payment> {
        var filter: SQLQueryString = ""
        if let customer { filter = filter + " AND customer_id = \(bind: customer.rawValue)" }
        if let after = page.startingAfter { filter = filter + " AND id < \(bind: after)" }
        let rows = try await session.db.raw(
            """
            SELECT \(Self.selection) FROM payments WHERE app_id = \(bind: appID.rawValue)\(filter)
            ORDER BY id DESC LIMIT \(bind: page.limit + 1)
            """
        ).all()
        return Page(fetched: try rows.map(Self.decode), limit: page.limit)
    }

    public func insert(_ p: Payment) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            INSERT INTO payments (\(Self.columns))
            VALUES (\(bind: p.id.rawValue), \(bind: appID.rawValue), \(bind: p.customerID.rawValue), \(bind: p.amount.amount),
                    \(bind: p.amount.currency.rawValue), \(bind: p.amountRefunded), \(bind: p.status.rawValue),
                    \(bind: p.description), \(bind: try StoreJSON.encode(p.metadata)), \(bind: p.provider.rawValue),
                    \(bind: p.providerPaymentID), \(bind: try p.failure.map(StoreJSON.encode)), \(bind: p.createdAt.millis),
                    \(bind: p.updatedAt.millis))
            """
        ).run()
    }

    public func update(_ p: Payment) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            UPDATE payments SET amount_refunded = \(bind: p.amountRefunded), status = \(bind: p.status.rawValue),
                provider_payment_id = \(bind: p.providerPaymentID), failure = \(bind: try p.failure.map(StoreJSON.encode)),
                updated_at = \(bind: p.updatedAt.millis)
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: p.id.rawValue)
            """
        ).run()
    }

    public func refunds(of payment: Payment.ID) async throws -> [Refund] {
        try await session.db.raw(
            """
            SELECT \(Self.refundColumns) FROM refunds
            WHERE app_id = \(bind: appID.rawValue) AND payment_id = \(bind: payment.rawValue) ORDER BY id
            """
        ).all().map(Self.decodeRefund)
    }

    public func refund(_ id: Refund.ID) async throws -> Refund? {
        try await session.db.raw(
            "SELECT \(Self.refundColumns) FROM refunds WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: id.rawValue)"
        ).first().map(Self.decodeRefund)
    }

    public func insert(_ r: Refund) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            INSERT INTO refunds (\(Self.refundColumns))
            VALUES (\(bind: r.id.rawValue), \(bind: appID.rawValue), \(bind: r.paymentID.rawValue), \(bind: r.amount.amount),
                    \(bind: r.amount.currency.rawValue), \(bind: r.reason?.rawValue), \(bind: r.status.rawValue),
                    \(bind: r.providerRefundID), \(bind: r.createdAt.millis), \(bind: r.updatedAt.millis))
            """
        ).run()
    }

    public func update(_ r: Refund) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            UPDATE refunds SET status = \(bind: r.status.rawValue), provider_refund_id = \(bind: r.providerRefundID),
                updated_at = \(bind: r.updatedAt.millis)
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: r.id.rawValue)
            """
        ).run()
    }

    static func decode(_ row: any SQLRow) throws -> Payment {
        Payment(
            id: .init(rawValue: try row.decode(column: "id", as: String.self)),
            appID: .init(rawValue: try row.decode(column: "app_id", as: String.self)),
            customerID: .init(rawValue: try row.decode(column: "customer_id", as: String.self)),
            customerExternalID: try row.decode(column: "customer_external_id", as: String.self),
            amount: Money(try row.decode(column: "amount", as: Int64.self), try row.currency("currency")),
            amountRefunded: try row.decode(column: "amount_refunded", as: Int64.self),
            status: try row.enumValue("status"),
            description: try row.decode(column: "description", as: String?.self),
            metadata: try StoreJSON.decode([String: String].self, row.decode(column: "metadata", as: String.self)),
            provider: try row.enumValue("provider"),
            providerPaymentID: try row.decode(column: "provider_payment_id", as: String?.self),
            failure: try row.decode(column: "failure", as: String?.self).map { try StoreJSON.decode(PaymentFailure.self, $0) },
            createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at")
        )
    }

    static func decodeRefund(_ row: any SQLRow) throws -> Refund {
        Refund(
            id: .init(rawValue: try row.decode(column: "id", as: String.self)),
            appID: .init(rawValue: try row.decode(column: "app_id", as: String.self)),
            paymentID: .init(rawValue: try row.decode(column: "payment_id", as: String.self)),
            amount: Money(try row.decode(column: "amount", as: Int64.self), try row.currency("currency")),
            reason: try row.optionalEnum("reason"),
            status: try row.enumValue("status"),
            providerRefundID: try row.decode(column: "provider_refund_id", as: String?.self),
            createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at")
        )
    }
}

extension SQLRow {
    func currency(_ column: String) throws -> Currency {
        let raw = try decode(column: column, as: String.self)
        guard let currency = Currency(rawValue: raw) else { throw StoreError.inconsistent("\(column) = \(raw)") }
        return currency
    }
}
