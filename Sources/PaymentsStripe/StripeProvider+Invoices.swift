import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Invoices of ours collected with Stripe Invoicing: a `send_invoice` invoice with one invoice
/// item per line, finalized, its hosted page and PDF returned. Each request has its own
/// idempotency key derived from the one the core gives, so a retried finalize makes nothing twice.
extension StripeProvider {
    public var invoiceCollections: [Invoice.Collection] { [.stripeInvoice] }

    public func collectInvoice(_ request: ProviderInvoiceRequest, idempotencyKey: String) async throws(ProviderError) -> ProviderCollectedInvoice {
        var form = FormBody()
        form.add("customer", request.customer)
        form.add("currency", request.currency.rawValue)
        form.add("collection_method", "send_invoice")
        if let due = request.dueDate {
            form.add("due_date", Int64(due.timeIntervalSince1970))
        } else {
            form.add("days_until_due", request.daysUntilDue ?? 0)
        }
        form.add("auto_advance", false)
        form.add("pending_invoice_items_behavior", "exclude")
        form.add("description", request.memo)
        form.add("metadata", [ProviderMetadata.appID: request.appID.rawValue, ProviderMetadata.objectID: request.ourID])
        let draft = try await client.post("/v1/invoices", form, idempotencyKey: "\(idempotencyKey)/invoice", as: StripeInvoice.self)
        for (index, line) in request.lines.enumerated() {
            var item = FormBody()
            item.add("customer", request.customer)
            item.add("invoice", draft.id)
            item.add("currency", request.currency.rawValue)
            item.add("description", line.description)
            if line.unitAmount < 0 {
                // A discount: Stripe takes a negative amount (not a negative unit price).
                item.add("amount", line.quantity * line.unitAmount)
            } else {
                item.add("quantity", line.quantity)
                item.add("unit_amount_decimal", String(line.unitAmount))
            }
            item.add("metadata", [ProviderMetadata.appID: request.appID.rawValue, ProviderMetadata.objectID: request.ourID])
            _ = try await client.post("/v1/invoiceitems", item, idempotencyKey: "\(idempotencyKey)/line/\(index)", as: StripeInvoiceItem.self)
        }
        var finalize = FormBody()
        finalize.add("auto_advance", true)
        let open = try await client.post(
            "/v1/invoices/\(draft.id)/finalize",
            finalize,
            idempotencyKey: "\(idempotencyKey)/finalize",
            as: StripeInvoice.self
        )
        return try await collected(open)
    }

    public func retrieveCollectedInvoice(_ id: String) async throws(ProviderError) -> ProviderCollectedInvoice {
        var query = FormBody()
        query.add("expand[0]", "payments")
        return try await collected(try await client.get("/v1/invoices/\(id)", query: query, as: StripeInvoice.self))
    }

    public func voidCollectedInvoice(_ id: String) async throws(ProviderError) -> ProviderCollectedInvoice {
        try await collected(try await client.post("/v1/invoices/\(id)/void", FormBody(), idempotencyKey: "void/\(id)", as: StripeInvoice.self))
    }

    /// Stripe's invoice in the domain's words, with the payment intent that paid it.
    func collected(_ invoice: StripeInvoice) async throws(ProviderError) -> ProviderCollectedInvoice {
        let status: ProviderCollectedInvoice.Status =
            switch invoice.status {
            case "paid": .paid
            case "void": .void
            case "uncollectible": .uncollectible
            default: .open
            }
        var payment: ProviderPayment?
        if status == .paid, let entry = invoice.payments?.data.first(where: { $0.status == "paid" }) ?? invoice.payments?.data.first {
            switch entry.payment?.payment_intent {
            case .id(let id): payment = try await retrievePayment(id)
            case .object(let object): payment = try await retrievePayment(object.id)
            case nil: break
            }
        }
        return ProviderCollectedInvoice(
            id: invoice.id,
            status: status,
            total: invoice.total ?? invoice.amount_due,
            amountPaid: invoice.amount_paid,
            hostedURL: invoice.hosted_invoice_url,
            pdfURL: invoice.invoice_pdf,
            payment: payment
        )
    }
}

/// The part of an invoice item the adapter reads back.
struct StripeInvoiceItem: Decodable, Sendable {
    let id: String
    let amount: Int64
}
