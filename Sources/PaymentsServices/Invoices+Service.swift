import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum Invoices {}

extension Invoices {
    /// A line as a request gives it: a unit amount, or a catalog price to take it from.
    public struct LineInput: Sendable {
        public var description: String?
        public var quantity: Int64?
        public var unitAmount: Int64?
        public var price: String?
        public var locationID: String?
        public var period: Period?
        public var metadata: [String: String]?

        public init() {}
    }

    public struct Period: Sendable, Equatable {
        public var start: Date
        public var end: Date

        public init(start: Date, end: Date) {
            self.start = start
            self.end = end
        }
    }

    /// What `POST /v1/invoices` asks for.
    public struct DraftInput: Sendable {
        public var customer = ""
        public var currency = Currency.usd
        public var collection: Invoice.Collection?
        public var locationID: String?
        public var dueDate: Date?
        public var daysUntilDue: Int64?
        public var memo: String?
        public var metadata: [String: String]?
        public var lines: [LineInput]?

        public init() {}
    }

    /// What `PATCH /v1/invoices/{id}` changes (a draft's fields; absent: unchanged).
    public struct DraftChanges: Sendable {
        public var currency: Currency?
        public var collection: Invoice.Collection?
        public var locationID: Patch<String> = .unchanged
        public var dueDate: Patch<Date> = .unchanged
        public var daysUntilDue: Patch<Int64> = .unchanged
        public var memo: Patch<String> = .unchanged
        public var metadata: [String: String]?

        public init() {}
    }

    /// What `PATCH /v1/invoices/{id}/lines/{line_id}` changes.
    public struct LineChanges: Sendable {
        public var description: String?
        public var quantity: Int64?
        public var unitAmount: Int64?
        public var locationID: Patch<String> = .unchanged
        public var period: Patch<Period> = .unchanged
        public var metadata: [String: String]?

        public init() {}
    }

    /// The app's invoicing settings.
    public struct Settings: Sendable, Equatable {
        public let numberPrefix: String
        /// The number the next finalized invoice takes.
        public let nextNumber: Int64
    }

    /// Invoices of the app's own: drafts, lines, numbering, and their life after finalization.
    /// Every change is audited in the transaction that makes it, with the event it implies.
    public struct Service: Sendable {
        let store: Store
        let customers: Customers.Service
        let payments: Payments.Service
        let directory: Providers.Directory

        public init(store: Store, customers: Customers.Service, payments: Payments.Service, directory: Providers.Directory) {
            self.store = store
            self.customers = customers
            self.payments = payments
            self.directory = directory
        }

        // MARK: Drafts

        /// Makes a draft (with its lines, if given). Audited as CREATE_INVOICE; `invoice.created`.
        public func create(app: App.ID, _ input: DraftInput, origin: Origin) async throws -> Invoice {
            try Self.checkDue(dueDate: input.dueDate, daysUntilDue: input.daysUntilDue)
            let customer = try await customers.get(app: app, externalID: input.customer, param: "customer")
            return try await store.write(origin, app: app) { session in
                var invoice = Invoice(
                    id: session.ids.next(Invoice.self, at: session.now),
                    appID: app,
                    customerID: customer.id,
                    customerExternalID: customer.externalID,
                    currency: input.currency,
                    collection: input.collection ?? .manual,
                    locationID: input.locationID,
                    dueDate: input.dueDate,
                    daysUntilDue: input.daysUntilDue.map { Int($0) },
                    memo: input.memo,
                    metadata: input.metadata ?? [:],
                    createdAt: session.now
                )
                for (index, line) in (input.lines ?? []).enumerated() {
                    try invoice.add(try await makeLine(line, invoice: invoice, session, param: "lines[\(index)]"), param: "lines")
                }
                try await session.invoices(app).insert(invoice)
                try await session.audit(app, try AuditRecord(action: .createInvoice, target: invoice.id, snapshot: InvoiceSnapshot(invoice)))
                try await session.emit(app, .invoiceCreated, invoice)
                return invoice
            }
        }

        public func get(app: App.ID, _ id: String) async throws -> Invoice {
            guard let invoiceID = Invoice.ID(parsing: id), let invoice = try await store.read({ try await $0.invoices(app).find(invoiceID) })
            else { throw PaymentsError.notFound(.invoiceNotFound, id: id) }
            return invoice
        }

        public func list(app: App.ID, customer: String?, filter: InvoiceFilter, _ page: PageRequest) async throws -> Page<Invoice> {
            try page.requireCursor(of: Invoice.self)
            var filter = filter
            if let customer { filter.customer = try await customers.get(app: app, externalID: customer, param: "customer").id }
            return try await store.read { [filter] in try await $0.invoices(app).list(filter, page) }
        }

        /// Changes a draft's fields. Audited as UPDATE_INVOICE.
        public func update(app: App.ID, _ id: String, _ changes: DraftChanges, origin: Origin) async throws -> Invoice {
            try await change(app: app, id, action: .updateInvoice, origin: origin) { invoice, _ in
                try invoice.requireDraft()
                if let currency = changes.currency, currency != invoice.currency {
                    guard invoice.lines.isEmpty else {
                        throw PaymentsError.invalid("currency", "The invoice has lines in \(invoice.currency): remove them to change its currency.")
                    }
                    invoice.currency = currency
                }
                if let collection = changes.collection { invoice.collection = collection }
                changes.locationID.apply(to: &invoice.locationID)
                changes.memo.apply(to: &invoice.memo)
                changes.dueDate.apply(to: &invoice.dueDate)
                var days = invoice.daysUntilDue.map { Int64($0) }
                changes.daysUntilDue.apply(to: &days)
                invoice.daysUntilDue = days.map { Int($0) }
                if changes.dueDate.value != nil, changes.daysUntilDue == .unchanged { invoice.daysUntilDue = nil }
                if changes.daysUntilDue.value != nil, changes.dueDate == .unchanged { invoice.dueDate = nil }
                try Self.checkDue(dueDate: invoice.dueDate, daysUntilDue: invoice.daysUntilDue.map { Int64($0) })
                if let metadata = changes.metadata { invoice.metadata = metadata }
                return Outcome()
            }
        }

        /// Deletes a draft (a finalized invoice is voided instead: its number stays used).
        /// Audited as DELETE_INVOICE.
        public func delete(app: App.ID, _ id: String, origin: Origin) async throws -> Invoice {
            guard let invoiceID = Invoice.ID(parsing: id) else { throw PaymentsError.notFound(.invoiceNotFound, id: id) }
            return try await store.write(origin, app: app) { session in
                guard let invoice = try await session.invoices(app).find(invoiceID) else { throw PaymentsError.notFound(.invoiceNotFound, id: id) }
                try invoice.requireDraft()
                try await session.invoices(app).delete(invoice.id)
                try await session.audit(app, try AuditRecord(action: .deleteInvoice, target: invoice.id, snapshot: InvoiceSnapshot(invoice)))
                return invoice
            }
        }

        // MARK: Lines

        /// Adds a line to a draft. Audited as ADD_INVOICE_LINE.
        /// - Returns: the draft, the new line last.
        public func addLine(app: App.ID, invoice id: String, _ input: LineInput, origin: Origin) async throws -> Invoice {
            try await change(app: app, id, action: .addInvoiceLine, origin: origin) { invoice, session in
                try invoice.requireDraft()
                let line = try await makeLine(input, invoice: invoice, session, param: nil)
                try invoice.add(line, param: "unit_amount")
                try await session.invoices(app).insert(line, of: invoice.id)
                return Outcome(line: line.id)
            }
        }

        /// Changes a draft's line. Audited as UPDATE_INVOICE_LINE.
        public func updateLine(
            app: App.ID,
            invoice id: String,
            line lineID: String,
            _ changes: LineChanges,
            origin: Origin
        ) async throws
            -> Invoice
        {
            try await change(app: app, id, action: .updateInvoiceLine, origin: origin) { invoice, session in
                try invoice.requireDraft()
                guard var line = invoice.lines.first(where: { $0.id.rawValue == lineID }) else {
                    throw PaymentsError.notFound(.invoiceLineNotFound, id: lineID)
                }
                if let description = changes.description { line.description = description }
                if let quantity = changes.quantity { line.quantity = quantity }
                if let unitAmount = changes.unitAmount {
                    line.unitAmount = unitAmount
                    line.priceID = nil
                }
                changes.locationID.apply(to: &line.locationID)
                switch changes.period {
                case .unchanged: break
                case .clear: (line.periodStart, line.periodEnd) = (nil, nil)
                case .set(let period): (line.periodStart, line.periodEnd) = (period.start, period.end)
                }
                try InvoiceLine.checkPeriod(start: line.periodStart, end: line.periodEnd)
                if let metadata = changes.metadata { line.metadata = metadata }
                try invoice.replace(line)
                try await session.invoices(app).update(line, of: invoice.id)
                return Outcome(line: line.id)
            }
        }

        /// Removes a draft's line. Audited as DELETE_INVOICE_LINE.
        public func deleteLine(app: App.ID, invoice id: String, line lineID: String, origin: Origin) async throws -> Invoice {
            try await change(app: app, id, action: .deleteInvoiceLine, origin: origin) { invoice, session in
                try invoice.requireDraft()
                guard let line = invoice.lines.first(where: { $0.id.rawValue == lineID }) else {
                    throw PaymentsError.notFound(.invoiceLineNotFound, id: lineID)
                }
                try invoice.remove(line.id)
                try await session.invoices(app).delete(line: line.id, of: invoice.id)
                return Outcome(line: line.id)
            }
        }

        // MARK: After the draft

        /// Numbers a draft and freezes it: `open`, or `paid` at once when nothing is due. The
        /// number is taken in the same transaction as the status change, so a finalize that fails
        /// leaves the draft a draft and the number unused. Audited as FINALIZE_INVOICE;
        /// `invoice.finalized` (and `invoice.paid` for a zero total).
        ///
        /// An invoice a provider collects is first frozen (its collection key recorded), then made
        /// at the provider under that key, then numbered with the provider's ids: a retry after a
        /// timeout asks under the same key and finds the same provider invoice; a refusal unfreezes
        /// the draft, no number taken.
        public func finalize(app: App, _ id: String, origin: Origin) async throws -> Invoice {
            let draft = try await get(app: app.id, id)
            try draft.requireFinalizable()
            // Nothing to collect: numbered (and paid) here.
            guard draft.collection != .manual, draft.total > 0 else { return try await number(app: app.id, id, collected: nil, origin: origin) }
            let provider = try await directory.provider(for: app)
            let collector = try provider.require((any InvoiceCollector).self, .invoicing)
            guard collector.invoiceCollections.contains(draft.collection) else {
                throw PaymentsError.invalid(
                    "collection",
                    "The app's provider is \(provider.name.rawValue); it collects invoices as "
                        + "\(collector.invoiceCollections.map(\.rawValue).joined(separator: ", ")), not \(draft.collection.rawValue)."
                )
            }
            let frozen = try await change(app: app.id, id, action: .finalizeInvoice, origin: origin) { invoice, _ in
                try invoice.requireFinalizable()
                if invoice.collectionKey == nil { invoice.collectionKey = invoice.collectionRequestKey }
                return Outcome()
            }
            guard frozen.status == .draft, let key = frozen.collectionKey else { return frozen }
            let customer = try await customers.get(app: app.id, id: frozen.customerID)
            let request = ProviderInvoiceRequest(
                ourID: frozen.id.rawValue,
                appID: app.id,
                collection: frozen.collection,
                customer: try await ProviderLinks(store: store).customer(customer, on: collector, origin: origin),
                currency: frozen.currency,
                lines: frozen.lines.map { line in
                    // A draft's lines are priced by unit; a line without one is sent as its amount.
                    line.unitAmount.map { .init(description: line.description, quantity: line.quantity, unitAmount: $0) }
                        ?? .init(description: line.description, quantity: 1, unitAmount: line.amount)
                },
                dueDate: frozen.dueDate,
                daysUntilDue: frozen.daysUntilDue,
                memo: frozen.memo
            )
            let collected: ProviderCollectedInvoice
            do {
                collected = try await collector.collectInvoice(request, idempotencyKey: key)
            } catch let error where !error.isOutcomeUnknown {
                // Refused: nothing was made there; the draft may change again.
                _ = try await change(app: app.id, id, action: .updateInvoice, origin: origin) { invoice, _ in
                    invoice.collectionKey = nil
                    return Outcome()
                }
                throw error.paymentsError
            } catch {
                throw error.paymentsError
            }
            guard collected.total == frozen.total else {
                throw StoreError.inconsistent("the provider's invoice \(collected.id) totals \(collected.total), ours \(frozen.total)")
            }
            return try await number(app: app.id, id, collected: (provider.name, collected), origin: origin)
        }

        /// Numbers the draft and freezes it for good, with the provider's copy if one collects it.
        private func number(
            app: App.ID,
            _ id: String,
            collected: (provider: ProviderName, invoice: ProviderCollectedInvoice)?,
            origin: Origin
        ) async throws -> Invoice {
            try await change(app: app, id, action: .finalizeInvoice, origin: origin) { invoice, session in
                // A concurrent retry of the same finalize may have numbered it already.
                if collected != nil, invoice.status != .draft { return Outcome() }
                try invoice.requireFinalizable()
                if let collected {
                    invoice.provider = collected.provider
                    invoice.providerInvoiceID = collected.invoice.id
                    invoice.hostedURL = collected.invoice.hostedURL
                    invoice.pdfURL = collected.invoice.pdfURL
                }
                try invoice.finalize(number: try await session.invoices(app).takeNumber(at: session.wallClock), at: session.now)
                return Outcome(events: invoice.status == .paid ? [.invoiceFinalized, .invoicePaid] : [.invoiceFinalized])
            }
        }

        /// What the provider collecting an invoice says of it now (its event named it): paid
        /// (with the payment, mirrored as ours), void, written off, or a payment that failed.
        /// - Returns: false when no invoice of the app's has that provider id.
        public func refresh(app: App, providerInvoiceID: String, paymentFailed: Bool, origin: Origin) async throws -> Bool {
            let provider = try await directory.provider(for: app)
            guard let collector = provider as? any InvoiceCollector,
                let local = try await store.read({
                    try await $0.invoices(app.id).find(provider: provider.name, providerInvoiceID: providerInvoiceID)
                })
            else { return false }
            let remote = try await collector.retrieveCollectedInvoice(providerInvoiceID)
            try await store.write(origin, app: app.id) { session in
                guard var invoice = try await session.invoices(app.id).find(local.id) else { return }
                let owed = invoice.status == .open || invoice.status == .uncollectible
                var events: [Event.Kind] = []
                switch remote.status {
                case .paid where owed:
                    if let charge = remote.payment {
                        let payment = try await session.mirror(charge, of: invoice, provider: provider.name)
                        if invoice.record(payment, at: session.now) {
                            // What the provider's invoice says was paid (a charge may cover more).
                            invoice.amountPaid = remote.amountPaid
                            events.append(.invoicePaid)
                        }
                    } else {
                        try invoice.markPaid(payment: nil, reference: nil, at: session.now)
                        events.append(.invoicePaid)
                    }
                case .void where owed:
                    try invoice.void(at: session.now)
                    events.append(.invoiceVoided)
                case .uncollectible where invoice.status == .open:
                    try invoice.markUncollectible(at: session.now)
                    events.append(.invoiceMarkedUncollectible)
                default:
                    break
                }
                if paymentFailed, invoice.status == .open { events.append(.invoicePaymentFailed) }
                try await session.invoices(app.id).update(invoice)
                var snapshot = InvoiceSnapshot(invoice)
                snapshot.attempt = "provider \(provider.name.rawValue) \(providerInvoiceID): \(remote.status.rawValue)"
                try await session.audit(app.id, try AuditRecord(action: .updateInvoice, target: invoice.id, snapshot: snapshot))
                for kind in events { try await session.emit(app.id, kind, invoice) }
            }
            return true
        }

        /// Money received out of band (a cheque, a bank transfer). One a provider collects is
        /// marked paid there first, so that its page can no longer be paid. Audited as
        /// MARK_INVOICE_PAID; `invoice.paid`.
        public func markPaid(app: App, _ id: String, reference: String, origin: Origin) async throws -> Invoice {
            let invoice = try await get(app: app.id, id)
            try invoice.requireNotSubscriptionBilled()
            if let providerInvoiceID = invoice.providerInvoiceID, invoice.status == .open || invoice.status == .uncollectible {
                let collector = try await directory.provider(for: app).require((any InvoiceCollector).self, .invoicing)
                do {
                    _ = try await collector.markCollectedInvoicePaidOutOfBand(providerInvoiceID)
                } catch {
                    throw error.paymentsError
                }
            }
            return try await change(app: app.id, id, action: .markInvoicePaid, origin: origin) { invoice, session in
                try invoice.markPaid(payment: nil, reference: reference, at: session.now)
                return Outcome(events: [.invoicePaid])
            }
        }

        /// Audited as VOID_INVOICE; `invoice.voided`. One a provider collects is voided there
        /// first, so that its page can no longer be paid.
        public func void(app: App, _ id: String, origin: Origin) async throws -> Invoice {
            let invoice = try await get(app: app.id, id)
            try invoice.requireNotSubscriptionBilled()
            if let providerInvoiceID = invoice.providerInvoiceID, invoice.status == .open || invoice.status == .uncollectible {
                let provider = try await directory.provider(for: app)
                let collector = try provider.require((any InvoiceCollector).self, .invoicing)
                do {
                    _ = try await collector.voidCollectedInvoice(providerInvoiceID)
                } catch {
                    throw error.paymentsError
                }
            }
            return try await change(app: app.id, id, action: .voidInvoice, origin: origin) { invoice, session in
                try invoice.void(at: session.now)
                return Outcome(events: [.invoiceVoided])
            }
        }

        /// Audited as MARK_INVOICE_UNCOLLECTIBLE; `invoice.marked_uncollectible`.
        public func markUncollectible(app: App.ID, _ id: String, origin: Origin) async throws -> Invoice {
            try await change(app: app, id, action: .markInvoiceUncollectible, origin: origin) { invoice, session in
                try invoice.requireNotSubscriptionBilled()
                try invoice.markUncollectible(at: session.now)
                return Outcome(events: [.invoiceMarkedUncollectible])
            }
        }

        /// Charges what remains with a saved payment method, through the payments service: the
        /// charge is a provider operation under a key of ours (`invoice/{id}/{attempt}`), recorded
        /// before the call, so a retry after a crash or a timeout resumes that charge instead of
        /// making another. Paid when the charge succeeds (now, or when the provider's event says
        /// so); `invoice.payment_failed` when it is declined (402). Audited as PAY_INVOICE.
        ///
        /// One a provider invoices (`sandbox`, `stripe_invoice`) is charged there, under the same
        /// key, so its page cannot take the money again; its charge is mirrored as a payment of
        /// ours, and a decline is the provider's event (`invoice.payment_failed`) as when the
        /// buyer's card is declined on the page. A payment link cannot be charged (409).
        public func pay(app: App, _ id: String, paymentMethod: String, origin: Origin) async throws -> Invoice {
            try Payment.paymentMethodRule.check(paymentMethod, param: "payment_method")
            guard let invoiceID = Invoice.ID(parsing: id) else { throw PaymentsError.notFound(.invoiceNotFound, id: id) }
            let (invoice, key) = try await store.write(origin, app: app.id) { session in
                guard var invoice = try await session.invoices(app.id).find(invoiceID) else { throw PaymentsError.notFound(.invoiceNotFound, id: id) }
                let key = try invoice.beginPaymentAttempt(at: session.now)
                try await session.invoices(app.id).update(invoice)
                var snapshot = InvoiceSnapshot(invoice)
                snapshot.attempt = key
                try await session.audit(app.id, try AuditRecord(action: .payInvoice, target: invoice.id, snapshot: snapshot))
                return (invoice, key)
            }
            if let providerInvoiceID = invoice.providerInvoiceID {
                return try await charge(app: app, invoice, at: providerInvoiceID, paymentMethod: paymentMethod, key: key, origin: origin)
            }
            let request = Payments.CreateRequest(
                customer: invoice.customerExternalID,
                amount: Money(invoice.amountRemaining, invoice.currency),
                paymentMethod: paymentMethod,
                description: "Invoice \(invoice.number ?? invoice.id.rawValue)",
                metadata: [:]
            )
            do {
                let payment = try await payments.create(app: app, request, requestKey: key, origin: origin)
                return try await link(app: app.id, invoiceID, payment: payment.id, origin: origin)
            } catch let error as PaymentsError where error.code == .cardDeclined {
                // Declined: the payment exists, failed; the invoice records it and stays open.
                if let payment = try await store.read({ try await $0.operations(app.id).find(kind: .createPayment, requestKey: key) }) {
                    _ = try await link(app: app.id, invoiceID, payment: Payment.ID(rawValue: payment.targetID), origin: origin)
                }
                throw error
            }
        }

        /// Charges an invoice the provider collects, at the provider: paid, its charge mirrored
        /// (as the provider's event would); declined, the attempt over and the invoice open.
        private func charge(
            app: App,
            _ invoice: Invoice,
            at providerInvoiceID: String,
            paymentMethod: String,
            key: String,
            origin: Origin
        ) async throws -> Invoice {
            let collector = try await directory.provider(for: app).require((any InvoiceCollector).self, .invoicing)
            do {
                _ = try await collector.chargeCollectedInvoice(providerInvoiceID, paymentMethod: paymentMethod, idempotencyKey: key)
            } catch let error where error.isCardDeclined {
                _ = try await change(app: app.id, invoice.id.rawValue, action: .payInvoice, origin: origin) { invoice, _ in
                    invoice.paymentAttemptOpen = false
                    return Outcome()
                }
                throw error.paymentsError
            } catch {
                // Unknown: the attempt stays open; a retry asks again under the same key.
                throw error.paymentsError
            }
            _ = try await refresh(app: app, providerInvoiceID: providerInvoiceID, paymentFailed: false, origin: origin)
            return try await get(app: app.id, invoice.id.rawValue)
        }

        /// Links the attempt's payment to the invoice and records its outcome, reading the
        /// payment under lock: a provider event changing it at the same moment is either seen
        /// here or sees the link (``Session/invoicePaymentChanged(_:from:to:)``).
        private func link(app: App.ID, _ invoiceID: Invoice.ID, payment paymentID: Payment.ID, origin: Origin) async throws -> Invoice {
            try await store.write(origin, app: app) { session in
                guard let payment = try await session.payments(app).find(paymentID),
                    var invoice = try await session.invoices(app).find(invoiceID)
                else { throw StoreError.inconsistent("invoice \(invoiceID) or its payment \(paymentID) vanished") }
                if invoice.paymentID == paymentID, !invoice.paymentAttemptOpen {
                    // The payment's own change recorded it already (and sent its events).
                    try await session.audit(app, try AuditRecord(action: .payInvoice, target: invoice.id, snapshot: InvoiceSnapshot(invoice)))
                } else {
                    try await session.recordInvoicePayment(app, &invoice, payment, before: nil)
                }
                return invoice
            }
        }

        // MARK: Settings

        public func settings(app: App.ID) async throws -> Settings {
            try await store.read { session in
                Settings(numberPrefix: try await session.invoices(app).prefix(), nextNumber: try await session.invoices(app).nextNumber())
            }
        }

        /// Sets the prefix of the numbers invoices take from now on (the sequence goes on).
        /// Audited as UPDATE_INVOICE_SETTINGS.
        public func updateSettings(app: App.ID, numberPrefix: String, origin: Origin) async throws -> Settings {
            try Invoice.prefixRule.check(numberPrefix, param: "number_prefix")
            return try await store.write(origin, app: app) { session in
                let before = try await session.invoices(app).prefix()
                try await session.invoices(app).setPrefix(numberPrefix, at: session.wallClock)
                try await session.audit(
                    app,
                    try AuditRecord(
                        action: .updateInvoiceSettings,
                        targetType: .app,
                        targetID: app.rawValue,
                        snapshot: ["number_prefix": numberPrefix, "number_prefix_before": before]
                    )
                )
                return Settings(numberPrefix: numberPrefix, nextNumber: try await session.invoices(app).nextNumber())
            }
        }

        // MARK: Helpers

        /// What a change did, beyond the invoice: the events it implies, the line it touched.
        private struct Outcome {
            var events: [Event.Kind] = []
            var line: InvoiceLine.ID?
        }

        /// Finds the invoice (locked), lets `body` change it, then writes it, audits it and emits
        /// the events `body` names.
        private func change(
            app: App.ID,
            _ id: String,
            action: AuditAction,
            origin: Origin,
            _ body: @escaping @Sendable (inout Invoice, Session) async throws -> Outcome
        ) async throws -> Invoice {
            guard let invoiceID = Invoice.ID(parsing: id) else { throw PaymentsError.notFound(.invoiceNotFound, id: id) }
            return try await store.write(origin, app: app) { session in
                guard var invoice = try await session.invoices(app).find(invoiceID) else { throw PaymentsError.notFound(.invoiceNotFound, id: id) }
                invoice.updatedAt = session.now
                let outcome = try await body(&invoice, session)
                try await session.invoices(app).update(invoice)
                var snapshot = InvoiceSnapshot(invoice)
                snapshot.line_id = outcome.line?.rawValue
                try await session.audit(app, try AuditRecord(action: action, target: invoice.id, snapshot: snapshot))
                for kind in outcome.events { try await session.emit(app, kind, invoice) }
                return invoice
            }
        }

        /// A line from its input: priced from the catalog or given a unit amount.
        private func makeLine(_ input: LineInput, invoice: Invoice, _ session: Session, param: String?) async throws -> InvoiceLine {
            func name(_ field: String) -> String { param.map { "\($0)[\(field)]" } ?? field }
            var unitAmount = input.unitAmount
            var description = input.description
            var priceID: String?
            if let price = input.price {
                guard input.unitAmount == nil else {
                    throw PaymentsError.invalid(name("unit_amount"), "Give unit_amount or price, not both.")
                }
                guard let id = Price.ID(parsing: price), let hit = try await session.plans(invoice.appID).price(id) else {
                    throw PaymentsError(.notFound, code: .priceNotFound, message: "No such price: '\(price)'.", param: name("price"))
                }
                let (found, planID) = hit
                switch found.terms {
                case .oneTime(let money), .recurring(let money, _):
                    guard money.currency == invoice.currency else {
                        throw PaymentsError.invalid(name("price"), "Price \(price) is in \(money.currency); the invoice is in \(invoice.currency).")
                    }
                    unitAmount = money.amount
                case .metered:
                    throw PaymentsError.invalid(name("price"), "Price \(price) is metered: its amount depends on usage. Give unit_amount.")
                }
                priceID = found.id.rawValue
                if description == nil {
                    let plan = try await session.plans(invoice.appID).find(id: planID)
                    description = [plan?.name, found.key].compactMap { $0 }.joined(separator: " · ")
                }
            }
            guard let unitAmount else { throw PaymentsError.missing(name("unit_amount")) }
            guard let description else { throw PaymentsError.missing(name("description")) }
            try InvoiceLine.checkPeriod(start: input.period?.start, end: input.period?.end, param: name("period"))
            return InvoiceLine(
                id: session.ids.next(InvoiceLine.self, at: session.now),
                description: description,
                quantity: input.quantity ?? 1,
                unitAmount: unitAmount,
                currency: invoice.currency,
                priceID: priceID,
                locationID: input.locationID ?? invoice.locationID,
                periodStart: input.period?.start,
                periodEnd: input.period?.end,
                metadata: input.metadata ?? [:],
                createdAt: session.now
            )
        }

        static func checkDue(dueDate: Date?, daysUntilDue: Int64?) throws(PaymentsError) {
            if dueDate != nil, daysUntilDue != nil {
                throw .invalid("days_until_due", "Give due_date or days_until_due, not both.")
            }
        }
    }
}

extension Session {
    func emit(_ app: App.ID, _ kind: Event.Kind, _ invoice: Invoice) async throws {
        try await emit(app, kind, Resources.invoice, invoice, id: invoice.id.rawValue, customer: invoice.customerID, type: .invoice)
    }

    /// A payment's status or refunds changed (its provider answered, or sent an event): the
    /// invoice it pays, if any, follows. Runs in the transaction that changes the payment.
    /// The invoice is found by its link to the payment, or, before the `pay` that made the
    /// payment could link it (the answer was lost, the process stopped), by the key the payment
    /// was made under: reconciliation or the provider's event settles the invoice without a retry.
    func invoicePaymentChanged(_ app: App.ID, from before: Payment?, to after: Payment) async throws {
        var found = try await invoices(app).find(paidBy: after.id)
        if found == nil, let key = try await operations(app).find(kind: .createPayment, targetID: after.id.rawValue)?.requestKey,
            let invoiceID = Invoice.paidByAttempt(key: key), let invoice = try await invoices(app).find(invoiceID),
            invoice.paymentAttemptOpen, key.hasSuffix("/\(invoice.paymentAttempts)")
        {
            found = invoice
        }
        guard var invoice = found else { return }
        try await recordInvoicePayment(app, &invoice, after, before: before)
    }

    /// A provider's charge for an invoice it collected, as a payment of ours (found again by its
    /// provider id), so that it is refunded like any other.
    func mirror(_ charge: ProviderPayment, of invoice: Invoice, provider: ProviderName) async throws -> Payment {
        if let known = try await payments(invoice.appID).find(provider: provider, providerID: charge.id) { return known }
        var payment = Payment(
            id: ids.next(Payment.self, at: now),
            appID: invoice.appID,
            customerID: invoice.customerID,
            customerExternalID: invoice.customerExternalID,
            amount: charge.amount,
            amountRefunded: 0,
            status: .pending,
            description: "Invoice \(invoice.number ?? invoice.id.rawValue)",
            metadata: [:],
            provider: provider,
            providerPaymentID: charge.id,
            failure: nil,
            createdAt: now,
            updatedAt: now
        )
        try await payments(invoice.appID).insert(payment)
        let before = payment
        payment.mirror(charge, at: now)
        try await payments(invoice.appID).update(payment)
        try await emitChanges(invoice.appID, from: before, to: payment)
        try await audit(
            invoice.appID,
            try AuditRecord(action: .createPayment, target: payment.id, snapshot: ["invoice": invoice.id.rawValue, "provider_payment_id": charge.id])
        )
        return payment
    }

    /// Records what `payment` says on `invoice`: paid (`invoice.paid`), declined
    /// (`invoice.payment_failed`), refunded (shown on the invoice). Audited as PAY_INVOICE.
    func recordInvoicePayment(_ app: App.ID, _ invoice: inout Invoice, _ payment: Payment, before: Payment?) async throws {
        let paid = invoice.record(payment, at: now)
        try await invoices(app).update(invoice)
        try await audit(app, try AuditRecord(action: .payInvoice, target: invoice.id, snapshot: InvoiceSnapshot(invoice)))
        if paid { try await emit(app, .invoicePaid, invoice) }
        if [.failed, .canceled].contains(payment.status), before?.status != payment.status {
            try await emit(app, .invoicePaymentFailed, invoice)
        }
    }
}

/// An invoice as the audit log records it: its state and totals, not every line.
struct InvoiceSnapshot: Encodable {
    let number: String?
    let status: String
    let customer_id: String
    let currency: String
    let collection: String
    let lines: Int
    let total: Int64
    let amount_paid: Int64
    let payment_reference: String?
    let payment_id: String?
    var line_id: String?
    /// The key a `pay` attempt charges under.
    var attempt: String?

    init(_ invoice: Invoice) {
        number = invoice.number
        status = invoice.status.rawValue
        customer_id = invoice.customerID.rawValue
        currency = invoice.currency.rawValue
        collection = invoice.collection.rawValue
        lines = invoice.lines.count
        total = invoice.total
        amount_paid = invoice.amountPaid
        payment_reference = invoice.paymentReference
        payment_id = invoice.paymentID?.rawValue
        line_id = nil
        attempt = nil
    }
}
