import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What `GET /v1/invoices` may filter on.
public struct InvoiceFilter: Sendable {
    public var customer: Customer.ID?
    public var status: Invoice.Status?
    public var locationID: String?
    public var createdGTE: Date?
    public var createdLT: Date?
    public var dueGTE: Date?
    public var dueLT: Date?

    public init(
        customer: Customer.ID? = nil,
        status: Invoice.Status? = nil,
        locationID: String? = nil,
        createdGTE: Date? = nil,
        createdLT: Date? = nil,
        dueGTE: Date? = nil,
        dueLT: Date? = nil
    ) {
        self.customer = customer
        self.status = status
        self.locationID = locationID
        self.createdGTE = createdGTE
        self.createdLT = createdLT
        self.dueGTE = dueGTE
        self.dueLT = dueLT
    }
}

/// One app's invoices, their lines, and its numbering.
public struct InvoiceRepository: Sendable {
    let session: Session
    let appID: App.ID

    static let columns: SQLQueryString = """
        id, app_id, customer_id, number, status, currency, collection, location_id, due_date, days_until_due, memo, metadata,
        total, amount_paid, payment_id, payment_reference, payment_attempts, payment_attempt_open, provider, provider_invoice_id,
        hosted_url, pdf_url, collection_key, finalized_at, paid_at, voided_at, marked_uncollectible_at, created_at, updated_at,
        subscription_id, period_start, period_end
        """
    /// The columns, the customer's external id, and what was refunded of the paying payment.
    static let selection: SQLQueryString =
        Self.columns + """
            , (SELECT external_id FROM customers WHERE customers.id = invoices.customer_id) AS customer_external_id,
            (SELECT amount_refunded FROM payments WHERE payments.id = invoices.payment_id) AS amount_refunded
            """
    static let lineColumns: SQLQueryString = """
        id, app_id, invoice_id, description, quantity, unit_amount, amount, currency, price_id, location_id, period_start,
        period_end, metadata, created_at
        """
    /// The prefix of an app that has not set one.
    public static let defaultPrefix = "INV"

    /// The invoice with its lines (locked for the transaction when writing).
    public func find(_ id: Invoice.ID) async throws -> Invoice? {
        guard
            var invoice = try await session.db.raw(
                "SELECT \(Self.selection) FROM invoices WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: id.rawValue)\(session.forUpdate)"
            ).first().map(Self.decode)
        else { return nil }
        invoice.lines = try await lines(of: [id])[id] ?? []
        return invoice
    }

    /// Every invoice of the customer, page by page (what drift reconciliation compares).
    public func all(customer: Customer.ID) async throws -> [Invoice] {
        try await Page.all(cursor: \.id.rawValue) { try await list(InvoiceFilter(customer: customer), $0) }
    }

    public func list(_ filter: InvoiceFilter, _ page: PageRequest) async throws -> Page<Invoice> {
        var conditions: [SQLQueryString] = ["app_id = \(bind: appID.rawValue)"]
        if let value = filter.customer { conditions.append("customer_id = \(bind: value.rawValue)") }
        if let value = filter.status { conditions.append("status = \(bind: value.rawValue)") }
        if let value = filter.locationID { conditions.append("location_id = \(bind: value)") }
        if let value = filter.createdGTE { conditions.append("created_at >= \(bind: value.millis)") }
        if let value = filter.createdLT { conditions.append("created_at < \(bind: value.millis)") }
        if let value = filter.dueGTE { conditions.append("due_date >= \(bind: value.millis)") }
        if let value = filter.dueLT { conditions.append("due_date < \(bind: value.millis)") }
        if let cursor = page.startingAfter { conditions.append("id < \(bind: cursor)") }
        let rows = try await session.db.raw(
            """
            SELECT \(Self.selection) FROM invoices WHERE \(SQLList(conditions, separator: SQLRaw(" AND ")))
            ORDER BY id DESC LIMIT \(bind: page.limit + 1)
            """
        ).all()
        var invoices = try rows.map(Self.decode)
        let lines = try await lines(of: invoices.map(\.id))
        for index in invoices.indices { invoices[index].lines = lines[invoices[index].id] ?? [] }
        return Page(fetched: invoices, limit: page.limit)
    }

    /// The invoice of ours a provider collects as `providerInvoiceID`.
    public func find(provider: ProviderName, providerInvoiceID: String) async throws -> Invoice? {
        guard
            let id = try await session.db.raw(
                """
                SELECT id FROM invoices
                WHERE app_id = \(bind: appID.rawValue) AND provider = \(bind: provider.rawValue)
                  AND provider_invoice_id = \(bind: providerInvoiceID)
                """
            ).first().map({ try $0.decode(column: "id", as: String.self) })
        else { return nil }
        return try await find(Invoice.ID(rawValue: id))
    }

    /// The invoice a payment of ours pays, if any (locked for the transaction when writing).
    public func find(paidBy payment: Payment.ID) async throws -> Invoice? {
        guard
            let id = try await session.db.raw(
                "SELECT id FROM invoices WHERE app_id = \(bind: appID.rawValue) AND payment_id = \(bind: payment.rawValue)"
            ).first().map({ try $0.decode(column: "id", as: String.self) })
        else { return nil }
        return try await find(Invoice.ID(rawValue: id))
    }

    /// The lines of several invoices, in the order they were added (ids are time-ordered).
    func lines(of invoices: [Invoice.ID]) async throws -> [Invoice.ID: [InvoiceLine]] {
        guard !invoices.isEmpty else { return [:] }
        let ids = SQLList(invoices.map { SQLBind($0.rawValue) })
        let rows = try await session.db.raw(
            """
            SELECT \(Self.lineColumns) FROM invoice_lines
            WHERE app_id = \(bind: appID.rawValue) AND invoice_id IN (\(ids)) ORDER BY id
            """
        ).all()
        var found: [Invoice.ID: [InvoiceLine]] = [:]
        for row in rows {
            found[.init(rawValue: try row.decode(column: "invoice_id", as: String.self)), default: []].append(try Self.decodeLine(row))
        }
        return found
    }

    public func insert(_ i: Invoice) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            INSERT INTO invoices (\(Self.columns))
            VALUES (\(bind: i.id.rawValue), \(bind: appID.rawValue), \(bind: i.customerID.rawValue), \(bind: i.number),
                    \(bind: i.status.rawValue), \(bind: i.currency.rawValue), \(bind: i.collection.rawValue), \(bind: i.locationID),
                    \(bind: i.dueDate?.millis), \(bind: i.daysUntilDue.map(Int64.init)), \(bind: i.memo),
                    \(bind: Metadata.encode(i.metadata)), \(bind: i.total), \(bind: i.amountPaid), \(bind: i.paymentID?.rawValue),
                    \(bind: i.paymentReference), \(bind: Int64(i.paymentAttempts)), \(bind: i.paymentAttemptOpen ? 1 : 0),
                    \(bind: i.provider?.rawValue), \(bind: i.providerInvoiceID), \(bind: i.hostedURL), \(bind: i.pdfURL),
                    \(bind: i.collectionKey), \(bind: i.finalizedAt?.millis), \(bind: i.paidAt?.millis), \(bind: i.voidedAt?.millis),
                    \(bind: i.markedUncollectibleAt?.millis), \(bind: i.createdAt.millis), \(bind: i.updatedAt.millis),
                    \(bind: i.subscriptionID?.rawValue), \(bind: i.periodStart?.millis), \(bind: i.periodEnd?.millis))
            """
        ).run()
        for line in i.lines { try await insert(line, of: i.id) }
    }

    /// Writes the invoice's own fields and totals (its lines are written one by one).
    public func update(_ i: Invoice) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            UPDATE invoices SET number = \(bind: i.number), status = \(bind: i.status.rawValue), currency = \(bind: i.currency.rawValue),
                collection = \(bind: i.collection.rawValue), location_id = \(bind: i.locationID), due_date = \(bind: i.dueDate?.millis),
                days_until_due = \(bind: i.daysUntilDue.map(Int64.init)), memo = \(bind: i.memo),
                metadata = \(bind: Metadata.encode(i.metadata)), total = \(bind: i.total), amount_paid = \(bind: i.amountPaid),
                payment_id = \(bind: i.paymentID?.rawValue), payment_reference = \(bind: i.paymentReference),
                payment_attempts = \(bind: Int64(i.paymentAttempts)), payment_attempt_open = \(bind: i.paymentAttemptOpen ? 1 : 0),
                provider = \(bind: i.provider?.rawValue), provider_invoice_id = \(bind: i.providerInvoiceID),
                hosted_url = \(bind: i.hostedURL), pdf_url = \(bind: i.pdfURL), collection_key = \(bind: i.collectionKey),
                finalized_at = \(bind: i.finalizedAt?.millis), paid_at = \(bind: i.paidAt?.millis), voided_at = \(bind: i.voidedAt?.millis),
                marked_uncollectible_at = \(bind: i.markedUncollectibleAt?.millis), updated_at = \(bind: i.updatedAt.millis)
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: i.id.rawValue)
            """
        ).run()
    }

    /// Deletes a draft and its lines.
    public func delete(_ id: Invoice.ID) async throws {
        _ = try session.requireWrite()
        try await session.db.raw("DELETE FROM invoice_lines WHERE app_id = \(bind: appID.rawValue) AND invoice_id = \(bind: id.rawValue)").run()
        try await session.db.raw("DELETE FROM invoices WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: id.rawValue)").run()
    }

    public func insert(_ l: InvoiceLine, of invoice: Invoice.ID) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            INSERT INTO invoice_lines (\(Self.lineColumns))
            VALUES (\(bind: l.id.rawValue), \(bind: appID.rawValue), \(bind: invoice.rawValue), \(bind: l.description),
                    \(bind: l.quantity), \(bind: l.unitAmount), \(bind: l.amount), \(bind: l.currency.rawValue), \(bind: l.priceID), \(bind: l.locationID),
                    \(bind: l.periodStart?.millis), \(bind: l.periodEnd?.millis), \(bind: Metadata.encode(l.metadata)),
                    \(bind: l.createdAt.millis))
            """
        ).run()
    }

    public func update(_ l: InvoiceLine, of invoice: Invoice.ID) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            UPDATE invoice_lines SET description = \(bind: l.description), quantity = \(bind: l.quantity),
                unit_amount = \(bind: l.unitAmount), amount = \(bind: l.amount), currency = \(bind: l.currency.rawValue), price_id = \(bind: l.priceID),
                location_id = \(bind: l.locationID), period_start = \(bind: l.periodStart?.millis),
                period_end = \(bind: l.periodEnd?.millis), metadata = \(bind: Metadata.encode(l.metadata))
            WHERE app_id = \(bind: appID.rawValue) AND invoice_id = \(bind: invoice.rawValue) AND id = \(bind: l.id.rawValue)
            """
        ).run()
    }

    public func delete(line: InvoiceLine.ID, of invoice: Invoice.ID) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            DELETE FROM invoice_lines
            WHERE app_id = \(bind: appID.rawValue) AND invoice_id = \(bind: invoice.rawValue) AND id = \(bind: line.rawValue)
            """
        ).run()
    }

    // MARK: Numbering

    /// The app's number prefix.
    public func prefix() async throws -> String {
        try await session.db.raw("SELECT prefix FROM invoice_numbering WHERE app_id = \(bind: appID.rawValue)")
            .first().map { try $0.decode(column: "prefix", as: String.self) } ?? Self.defaultPrefix
    }

    /// The number the next finalized invoice will take.
    public func nextNumber() async throws -> Int64 {
        try await session.db.raw("SELECT next_number FROM invoice_numbering WHERE app_id = \(bind: appID.rawValue)")
            .first().map { try $0.decode(column: "next_number", as: Int64.self) } ?? 1
    }

    public func setPrefix(_ prefix: String, at time: Date) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            INSERT INTO invoice_numbering (app_id, prefix, next_number, updated_at)
            VALUES (\(bind: appID.rawValue), \(bind: prefix), 1, \(bind: time.millis))
            ON CONFLICT (app_id) DO UPDATE SET prefix = \(bind: prefix), updated_at = \(bind: time.millis)
            """
        ).run()
    }

    /// Takes the app's next number in this transaction: its row stays locked until the
    /// transaction ends (PostgreSQL's row lock; SQLite's single writer), and a rollback gives the
    /// number back. So numbers are used in order, each once, none skipped.
    /// - Returns: the number, formatted with the app's prefix.
    public func takeNumber(at time: Date) async throws -> String {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            INSERT INTO invoice_numbering (app_id, prefix, next_number, updated_at)
            VALUES (\(bind: appID.rawValue), \(bind: Self.defaultPrefix), 1, \(bind: time.millis))
            ON CONFLICT (app_id) DO NOTHING
            """
        ).run()
        guard
            let row = try await session.db.raw(
                """
                UPDATE invoice_numbering SET next_number = next_number + 1, updated_at = \(bind: time.millis)
                WHERE app_id = \(bind: appID.rawValue)
                RETURNING next_number - 1 AS taken, prefix
                """
            ).first()
        else { throw StoreError.inconsistent("the numbering of \(appID) vanished") }
        return Invoice.number(prefix: try row.decode(column: "prefix", as: String.self), try row.decode(column: "taken", as: Int64.self))
    }

    static func decode(_ row: any SQLRow) throws -> Invoice {
        var invoice = Invoice(
            id: .init(rawValue: try row.decode(column: "id", as: String.self)),
            appID: .init(rawValue: try row.decode(column: "app_id", as: String.self)),
            customerID: .init(rawValue: try row.decode(column: "customer_id", as: String.self)),
            customerExternalID: try row.decode(column: "customer_external_id", as: String.self),
            currency: try row.currency("currency"),
            collection: try row.enumValue("collection"),
            locationID: try row.decode(column: "location_id", as: String?.self),
            dueDate: try row.optionalDate("due_date"),
            daysUntilDue: try row.decode(column: "days_until_due", as: Int64?.self).map { Int($0) },
            memo: try row.decode(column: "memo", as: String?.self),
            metadata: try Metadata.decode(row.decode(column: "metadata", as: String.self)),
            createdAt: try row.date("created_at")
        )
        invoice.number = try row.decode(column: "number", as: String?.self)
        invoice.status = try row.enumValue("status")
        invoice.amountPaid = try row.decode(column: "amount_paid", as: Int64.self)
        invoice.paymentID = try row.decode(column: "payment_id", as: String?.self).map { .init(rawValue: $0) }
        invoice.paymentReference = try row.decode(column: "payment_reference", as: String?.self)
        invoice.amountRefunded = try row.decode(column: "amount_refunded", as: Int64?.self) ?? 0
        invoice.paymentAttempts = Int(try row.decode(column: "payment_attempts", as: Int64.self))
        invoice.paymentAttemptOpen = try row.decode(column: "payment_attempt_open", as: Int64.self) != 0
        invoice.provider = try row.optionalEnum("provider")
        invoice.providerInvoiceID = try row.decode(column: "provider_invoice_id", as: String?.self)
        invoice.hostedURL = try row.decode(column: "hosted_url", as: String?.self)
        invoice.pdfURL = try row.decode(column: "pdf_url", as: String?.self)
        invoice.collectionKey = try row.decode(column: "collection_key", as: String?.self)
        invoice.finalizedAt = try row.optionalDate("finalized_at")
        invoice.paidAt = try row.optionalDate("paid_at")
        invoice.voidedAt = try row.optionalDate("voided_at")
        invoice.markedUncollectibleAt = try row.optionalDate("marked_uncollectible_at")
        invoice.subscriptionID = try row.decode(column: "subscription_id", as: String?.self).map { .init(rawValue: $0) }
        invoice.periodStart = try row.optionalDate("period_start")
        invoice.periodEnd = try row.optionalDate("period_end")
        invoice.updatedAt = try row.date("updated_at")
        return invoice
    }

    static func decodeLine(_ row: any SQLRow) throws -> InvoiceLine {
        var line = InvoiceLine(
            id: .init(rawValue: try row.decode(column: "id", as: String.self)),
            description: try row.decode(column: "description", as: String.self),
            quantity: try row.decode(column: "quantity", as: Int64.self),
            amount: try row.decode(column: "amount", as: Int64.self),
            currency: try row.currency("currency"),
            priceID: try row.decode(column: "price_id", as: String?.self),
            periodStart: try row.optionalDate("period_start"),
            periodEnd: try row.optionalDate("period_end"),
            createdAt: try row.date("created_at")
        )
        // The unit amount as stored (nil for a provider's line no unit price gives).
        line.unitAmount = try row.decode(column: "unit_amount", as: Int64?.self)
        line.locationID = try row.decode(column: "location_id", as: String?.self)
        line.metadata = try Metadata.decode(row.decode(column: "metadata", as: String.self))
        return line
    }
}
