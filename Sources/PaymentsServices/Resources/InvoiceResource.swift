import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A provider's invoice as an `invoice.paid` event carries it. (The service's own invoices, with
/// their API, come with the invoicing work; until then an invoice is known by its provider id.)
public struct InvoiceResource: Encodable, Sendable {
    public let object = "invoice"
    public let provider: String
    public let provider_invoice_id: String
    public let customer_id: String
    public let subscription_id: String
    public let status = "paid"
    public let amount_paid: Int64
    public let currency: String
    @Nullable public var period_start: Date?
    @Nullable public var period_end: Date?
    public let paid_at: Date

    public init(_ invoice: ProviderInvoice, provider: ProviderName, subscription: Subscription, paidAt: Date) {
        self.provider = provider.rawValue
        provider_invoice_id = invoice.id
        customer_id = subscription.customerID.rawValue
        subscription_id = subscription.id.rawValue
        amount_paid = invoice.amountPaid.amount
        currency = invoice.amountPaid.currency.rawValue
        period_start = invoice.periodStart
        period_end = invoice.periodEnd
        paid_at = paidAt
    }
}
