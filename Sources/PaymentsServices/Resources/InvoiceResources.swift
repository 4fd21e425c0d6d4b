import PaymentsContract
import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Resources {
    /// A line's service period.
    struct LinePeriod: Sendable {
        let start: Date
        let end: Date
    }

    static let linePeriod = Resource<LinePeriod>("InvoiceLinePeriod") {
        Field("start", \.start)
        Field("end", \.end)
    }

    public static let invoiceLine = Resource<InvoiceLine>("InvoiceLine", object: "invoice_line") {
        Field("id", \.id)
        Field("description", \.description)
        Field("quantity", \.quantity)
        Field(
            "unit_amount",
            \.unitAmount,
            description: "Minor units; negative for a discount. Null on a subscription invoice's line no unit price gives (tiers)"
        )
        Field("amount", \.amount, description: "quantity × unit_amount, computed by the service; or what the provider charged for the line")
        Field("currency", \.currency)
        Field("price_id", \.priceID, description: "The catalog price it was priced from, if any")
        Field("location_id", \.locationID)
        Field(
            "period",
            { line in line.periodStart.flatMap { start in line.periodEnd.map { LinePeriod(start: start, end: $0) } } },
            linePeriod.codec.nullable,
            description: "The service period, if given"
        )
        Field("metadata", \.metadata)
        Field("created_at", \.createdAt)
    }

    public static let invoice = Resource<Invoice>(
        "Invoice",
        object: "invoice",
        description: "Totals are computed by the service in integer minor units: subtotal = Σ lines' amounts, total = subtotal, "
            + "amount_due = total, amount_remaining = amount_due − amount_paid (0 once paid or void)."
    ) {
        Field("id", \.id)
        Field("number", \.number, description: "PREFIX-000123, gapless and sequential per app; null while a draft")
        Field("customer_id", \.customerID)
        Field("customer", \.customerExternalID, description: customerDescription)
        Field("status", \.status)
        Field(
            "collection",
            \.collection,
            description: "manual: the app collects it (pay, mark-paid); sandbox: the sandbox's hosted invoice page; stripe_invoice, "
                + "payment_link: through Stripe (stripe_invoice also for one made at Stripe and brought in by the import); subscription: made by the provider for a subscription (a renewal, usage) and "
                + "collected with its payment method, mirrored here"
        )
        Field("subscription_id", \.subscriptionID, description: "The subscription it bills, for collection subscription")
        Field("period_start", \.periodStart, description: "The subscription period it bills")
        Field("period_end", \.periodEnd)
        Field("currency", \.currency)
        Field("location_id", \.locationID)
        Field("due_date", \.dueDate, description: "Set, or days_until_due after finalization")
        Field("days_until_due", { $0.daysUntilDue.map { Int64($0) } })
        Field("memo", \.memo)
        Field("metadata", \.metadata)
        Field("lines", \.lines, invoiceLine.codec.list)
        Field("subtotal", \.subtotal)
        Field("total", \.total)
        Field("amount_due", \.amountDue)
        Field("amount_paid", \.amountPaid)
        Field("amount_remaining", \.amountRemaining)
        Field("payment_id", \.paymentID, description: "The payment of ours that paid it, if one did")
        Field("payment_reference", \.paymentReference, description: "The app's reference for money received out of band")
        Field("amount_refunded", \.amountRefunded, description: "Refunded of the paying payment, through its refund route")
        Field("provider", \.provider, description: "The provider collecting it; null for manual collection")
        Field("provider_invoice_id", \.providerInvoiceID)
        Field("hosted_invoice_url", \.hostedURL, description: "Where the buyer pays it (the provider's page), once finalized")
        Field("invoice_pdf", \.pdfURL, description: "The provider's PDF, where it makes one")
        Field("finalized_at", \.finalizedAt)
        Field("paid_at", \.paidAt)
        Field("voided_at", \.voidedAt)
        Field("marked_uncollectible_at", \.markedUncollectibleAt)
        Field("created_at", \.createdAt)
        Field("updated_at", \.updatedAt)
    }

    public static let invoiceSettings = Resource<Invoices.Settings>("InvoiceSettings", object: "invoice_settings") {
        Field("number_prefix", \.numberPrefix, description: "Numbers read PREFIX-000123")
        Field("next_number", \.nextNumber, description: "The number the next finalized invoice takes")
    }
}
