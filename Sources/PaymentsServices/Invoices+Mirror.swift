import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Invoices.Service {
    /// Mirrors a subscription's invoice at the provider (a renewal, the usage of a period) as one
    /// of ours, as its events arrive: the first finalized sight makes it (numbered in the app's
    /// sequence; audited as CREATE_INVOICE; `invoice.created`, `invoice.finalized`), later ones
    /// follow its status (paid: RECORD_INVOICE_PAYMENT, `invoice.paid`; void: VOID_INVOICE,
    /// `invoice.voided`; written off: MARK_INVOICE_UNCOLLECTIBLE, `invoice.marked_uncollectible`);
    /// a declined charge is `invoice.payment_failed`. A provider's draft is not mirrored (it may
    /// still change there). The subscription's row is locked first, so two events about one
    /// invoice read at once make one invoice of ours.
    /// - Parameter time: when the provider says it happened (its event's time).
    public func mirror(
        _ provided: ProviderInvoice,
        subscription providerID: String,
        paymentFailed: Bool,
        at time: Date,
        app: App,
        origin: Origin
    ) async throws {
        guard provided.status != .draft else { return }
        let provider = try await directory.provider(for: app).name
        try await store.write(origin, app: app.id) { session in
            guard let subscription = try await session.subscriptions(app.id).find(provider: provider, providerID: providerID) else {
                throw StoreError.inconsistent("subscription \(providerID) vanished")
            }
            let invoices = session.invoices(app.id)
            var invoice: Invoice
            var events: [Event.Kind]
            if let known = try await invoices.find(provider: provider, providerInvoiceID: provided.id) {
                invoice = known
                events = invoice.follow(provided, at: time).map { [$0] } ?? []
            } else {
                (invoice, events) = Invoice.mirroring(
                    provided,
                    of: subscription,
                    provider: provider,
                    id: session.ids.next(Invoice.self, at: session.now),
                    lineID: { session.ids.next(InvoiceLine.self, at: session.now) },
                    number: try await invoices.takeNumber(at: session.wallClock),
                    at: time,
                    now: session.now
                )
                try await invoices.insert(invoice)
            }
            if paymentFailed, invoice.status == .open { events.append(.invoicePaymentFailed) }
            var snapshot = InvoiceSnapshot(invoice)
            snapshot.attempt = "provider \(provider.rawValue) \(provided.id): \(provided.status.rawValue)"
            guard !events.isEmpty else {
                // An event told nothing new (a repeat, or older than what is known): recorded as read.
                snapshot.attempt? += ", unchanged"
                try await session.audit(app.id, try AuditRecord(action: .updateInvoice, target: invoice.id, snapshot: snapshot))
                return
            }
            if !events.contains(.invoiceCreated) { try await invoices.update(invoice) }
            for kind in events {
                let action: AuditAction? =
                    switch kind {
                    case .invoiceCreated: .createInvoice
                    case .invoicePaid: .recordInvoicePayment
                    case .invoiceVoided: .voidInvoice
                    case .invoiceMarkedUncollectible: .markInvoiceUncollectible
                    case .invoicePaymentFailed: .updateInvoice
                    default: nil
                    }
                if let action { try await session.audit(app.id, try AuditRecord(action: action, target: invoice.id, snapshot: snapshot)) }
                try await session.emit(app.id, kind, invoice)
            }
        }
    }
}
