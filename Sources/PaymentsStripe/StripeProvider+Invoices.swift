import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Invoices of ours collected by Stripe, two ways: Stripe Invoicing (a `send_invoice` invoice with
/// one invoice item per line, finalized, its hosted page and PDF returned), or a Payment Link for
/// the total (paid once, through the Checkout session it makes). Each request has its own
/// idempotency key derived from the one the core gives, so a retried finalize makes nothing twice.
extension StripeProvider {
    public var invoiceCollections: [Invoice.Collection] { [.stripeInvoice, .paymentLink] }

    public func collectInvoice(_ request: ProviderInvoiceRequest, idempotencyKey: String) async throws(ProviderError) -> ProviderCollectedInvoice {
        if request.collection == .paymentLink { return try await createPaymentLink(request, idempotencyKey: idempotencyKey) }
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
        if id.hasPrefix(Self.paymentLinkPrefix) { return try await retrievePaymentLink(id) }
        var query = FormBody()
        query.add("expand[0]", "payments")
        return try await collected(try await client.get("/v1/invoices/\(id)", query: query, as: StripeInvoice.self))
    }

    public func voidCollectedInvoice(_ id: String) async throws(ProviderError) -> ProviderCollectedInvoice {
        if id.hasPrefix(Self.paymentLinkPrefix) {
            let now = try await retrievePaymentLink(id)
            guard now.status == .open else {
                if now.status == .paid {
                    throw .invalidRequest("Payment link \(id) was paid: it cannot be voided.", providerCode: "payment_link_paid")
                }
                return now
            }
            var form = FormBody()
            form.add("active", false)
            _ = try await client.post("/v1/payment_links/\(id)", form, idempotencyKey: "void/\(id)", as: StripePaymentLink.self)
            return try await retrievePaymentLink(id)
        }
        return try await collected(try await client.post("/v1/invoices/\(id)/void", FormBody(), idempotencyKey: "void/\(id)", as: StripeInvoice.self))
    }

    /// Stripe Invoicing: paid out of band. A payment link: deactivated (it has nothing to mark).
    public func markCollectedInvoicePaidOutOfBand(_ id: String) async throws(ProviderError) -> ProviderCollectedInvoice {
        if id.hasPrefix(Self.paymentLinkPrefix) { return try await voidCollectedInvoice(id) }
        var form = FormBody()
        form.add("paid_out_of_band", true)
        return try await collected(
            try await client.post("/v1/invoices/\(id)/pay", form, idempotencyKey: "paid_out_of_band/\(id)", as: StripeInvoice.self)
        )
    }

    /// Stripe Invoicing: `POST /v1/invoices/{id}/pay` with the customer's payment method. A
    /// payment link has nothing to charge: its buyer pays on its page.
    public func chargeCollectedInvoice(
        _ id: String,
        paymentMethod: String,
        idempotencyKey: String
    ) async throws(ProviderError)
        -> ProviderCollectedInvoice
    {
        guard !id.hasPrefix(Self.paymentLinkPrefix) else {
            throw .invalidRequest("Payment link \(id) is paid by its buyer on its page; it cannot be charged.", param: "collection")
        }
        var form = FormBody()
        form.add("payment_method", paymentMethod)
        form.add("off_session", true)
        return try await collected(try await client.post("/v1/invoices/\(id)/pay", form, idempotencyKey: idempotencyKey, as: StripeInvoice.self))
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

extension StripeProvider {
    static let paymentLinkPrefix = "plink_"

    /// One line for the whole total (a Payment Link sells items, not an invoice's lines), our ids
    /// in its metadata and its payment intent's, completable once.
    func createPaymentLink(_ request: ProviderInvoiceRequest, idempotencyKey: String) async throws(ProviderError) -> ProviderCollectedInvoice {
        let metadata = [ProviderMetadata.appID: request.appID.rawValue, ProviderMetadata.objectID: request.ourID]
        var form = FormBody()
        form.add("line_items[0][price_data][currency]", request.currency.rawValue)
        form.add("line_items[0][price_data][unit_amount]", request.total)
        form.add(
            "line_items[0][price_data][product_data][name]",
            request.memo.map { "Invoice \(request.ourID): \($0.prefix(200))" } ?? "Invoice \(request.ourID)"
        )
        form.add("line_items[0][quantity]", 1)
        form.add("metadata", metadata)
        form.add("payment_intent_data[metadata]", metadata)
        form.add("restrictions[completed_sessions][limit]", 1)
        form.add("after_completion[type]", "hosted_confirmation")
        let link = try await client.post("/v1/payment_links", form, idempotencyKey: "\(idempotencyKey)/payment_link", as: StripePaymentLink.self)
        return ProviderCollectedInvoice(
            id: link.id,
            status: link.active ? .open : .void,
            total: request.total,
            amountPaid: 0,
            hostedURL: link.url,
            pdfURL: nil,
            payment: nil
        )
    }

    /// A payment link is paid when a Checkout session it made is complete.
    func retrievePaymentLink(_ id: String) async throws(ProviderError) -> ProviderCollectedInvoice {
        var expand = FormBody()
        expand.add("expand[0]", "line_items")
        let link = try await client.get("/v1/payment_links/\(id)", query: expand, as: StripePaymentLink.self)
        var query = FormBody()
        query.add("payment_link", id)
        query.add("status", "complete")
        query.add("limit", 1)
        let sessions = try await client.get("/v1/checkout/sessions", query: query, as: StripeList<StripeCheckoutSession>.self)
        var payment: ProviderPayment?
        if let session = sessions.data.first {
            switch session.payment_intent {
            case .id(let intent): payment = try await retrievePayment(intent)
            case .object(let object): payment = try await retrievePayment(object.id)
            case nil: break
            }
        }
        let total = link.line_items?.data.first?.amount_total ?? 0
        return ProviderCollectedInvoice(
            id: link.id,
            status: payment?.status == .succeeded ? .paid : link.active ? .open : .void,
            total: total,
            amountPaid: payment?.status == .succeeded ? payment?.amount.amount ?? 0 : 0,
            hostedURL: link.url,
            pdfURL: nil,
            payment: payment
        )
    }
}

/// The part of a payment link the adapter reads.
struct StripePaymentLink: Decodable, Sendable {
    struct LineItem: Decodable, Sendable {
        let amount_total: Int64?
    }

    let id: String
    let url: String
    let active: Bool
    let line_items: StripeList<LineItem>?
}

/// The part of an invoice item the adapter reads back.
struct StripeInvoiceItem: Decodable, Sendable {
    let id: String
    let amount: Int64
}
