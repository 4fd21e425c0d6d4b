#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Invoices a provider makes for a subscription (a renewal, the usage of a period), mirrored as
/// invoices of ours: numbered in the app's sequence, their lines as the provider charged them,
/// their status the provider's, so that `invoice.paid` names an `inv_` id and an app lists every
/// invoice a customer has, whatever made it.
extension Invoice {
    /// The mirror of `provided`, a finalized invoice of `subscription`, and the events its first
    /// sight implies (`invoice.created` and `invoice.finalized`, then what its status says).
    public static func mirroring(
        _ provided: ProviderInvoice,
        of subscription: Subscription,
        provider: ProviderName,
        id: ID,
        lineID: () -> InvoiceLine.ID,
        number: String,
        at time: Date,
        now: Date
    ) -> (Invoice, [Event.Kind]) {
        mirroring(
            provided,
            app: subscription.appID,
            customerID: subscription.customerID,
            externalID: subscription.customerExternalID,
            subscription: subscription,
            provider: provider,
            id: id,
            lineID: lineID,
            number: number,
            at: time,
            now: now
        )
    }

    /// The mirror of `provided`, a finalized invoice of the customer's at the provider: a
    /// subscription's (collected with it), or one made there alone (collected by the provider's
    /// invoicing, `stripe_invoice`).
    public static func mirroring(
        _ provided: ProviderInvoice,
        app: App.ID,
        customerID: Customer.ID,
        externalID: String,
        subscription: Subscription?,
        provider: ProviderName,
        id: ID,
        lineID: () -> InvoiceLine.ID,
        number: String,
        at time: Date,
        now: Date
    ) -> (Invoice, [Event.Kind]) {
        let currency = provided.amountPaid.currency
        var invoice = Invoice(
            id: id,
            appID: app,
            customerID: customerID,
            customerExternalID: externalID,
            currency: currency,
            collection: subscription == nil ? .stripeInvoice : .subscription,
            locationID: nil,
            dueDate: nil,
            daysUntilDue: nil,
            memo: nil,
            metadata: [:],
            createdAt: now
        )
        invoice.subscriptionID = subscription?.id
        invoice.periodStart = provided.periodStart
        invoice.periodEnd = provided.periodEnd
        invoice.provider = provider
        invoice.providerInvoiceID = provided.id
        invoice.hostedURL = provided.hostedURL
        invoice.pdfURL = provided.pdfURL
        invoice.lines = provided.lines.map { line in
            InvoiceLine(
                id: lineID(),
                description: line.description ?? (subscription == nil ? "Invoice item" : "Subscription"),
                quantity: line.quantity,
                amount: line.amount,
                currency: currency,
                priceID: subscription?.items.first { line.price != nil && $0.providerPriceID == line.price }?.priceID?.rawValue,
                periodStart: line.periodStart,
                periodEnd: line.periodEnd,
                createdAt: now
            )
        }
        // What the provider took off or added beyond its lines (a coupon, tax), so that the
        // totals here are the provider's.
        if provided.total != invoice.subtotal {
            let difference = provided.total - invoice.subtotal
            invoice.lines.append(
                InvoiceLine(
                    id: lineID(),
                    description: difference < 0 ? "Discounts" : "Tax and adjustments",
                    quantity: 1,
                    amount: difference,
                    currency: currency,
                    priceID: nil,
                    periodStart: nil,
                    periodEnd: nil,
                    createdAt: now
                )
            )
        }
        invoice.number = number
        invoice.status = .open
        invoice.finalizedAt = time
        invoice.dueDate = time
        invoice.updatedAt = now
        var events: [Event.Kind] = [.invoiceCreated, .invoiceFinalized]
        if let event = invoice.follow(provided, at: time) { events.append(event) }
        return (invoice, events)
    }

    /// Follows the provider's status: paid, void or written off, as far as this invoice's own
    /// status allows (an older event read after a newer one changes nothing).
    /// - Returns: the event the change implies, if it changed.
    public mutating func follow(_ provided: ProviderInvoice, at time: Date) -> Event.Kind? {
        let owed = status == .open || status == .uncollectible
        switch provided.status {
        case .paid where owed:
            status = .paid
            amountPaid = provided.amountPaid.amount
            paidAt = time
        case .void where owed:
            status = .void
            voidedAt = time
        case .uncollectible where status == .open:
            status = .uncollectible
            markedUncollectibleAt = time
        default:
            return nil
        }
        updatedAt = time
        return switch status {
        case .paid: .invoicePaid
        case .void: .invoiceVoided
        default: .invoiceMarkedUncollectible
        }
    }

    /// An invoice of a subscription is settled by the provider (its retries with the
    /// subscription's payment method) and its events, not by the app's routes.
    /// - Throws: `invoice_collected_by_provider` (409) naming `collection`.
    public func requireNotSubscriptionBilled() throws(PaymentsError) {
        guard collection == .subscription else { return }
        throw PaymentsError(
            .conflict,
            code: .invoiceCollectedByProvider,
            message: "Invoice \(id) bills subscription \(subscriptionID?.rawValue ?? "?"): \(provider?.rawValue ?? "the provider") collects it "
                + "with the subscription's payment method, and its events record the outcome. Change or cancel the subscription instead.",
            param: "collection"
        )
    }
}
