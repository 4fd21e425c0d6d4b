import Hummingbird
import PaymentsContract
import PaymentsDomain
import PaymentsServices
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/v1/invoices`: the app's own invoices, from draft to paid, void or uncollectible.
struct InvoicesController: Controller {
    let invoices: Invoices.Service

    static let access = Access.app
    static let id = PathParameter.id(Invoice.self)
    static let lineID = PathParameter.id(InvoiceLine.self, name: "line_id")

    static let routes: [Route<Self>] = [
        Route(
            .post,
            "/v1/invoices",
            id: "createInvoice",
            summary: "Draft an invoice for a customer, with lines or without",
            description: "Audited as CREATE_INVOICE; `invoice.created`. A draft's fields and lines change until it is finalized.",
            success: .created(Resources.invoice.codec, "The draft"),
            errors: [.notFound],
            handler: create
        ),
        Route(
            .get,
            "/v1/invoices",
            id: "listInvoices",
            summary: "The app's invoices, newest first",
            success: .ok(Resources.invoice.list, "A page"),
            errors: [.notFound],
            handler: list
        ),
        Route(
            .get,
            "/v1/invoices/{id}",
            id: "getInvoice",
            summary: "An invoice with its lines and totals",
            parameters: [id],
            success: .ok(Resources.invoice.codec, "The invoice"),
            errors: [.notFound],
            handler: get
        ),
        .raw(
            .get,
            "/v1/invoices/{id}/html",
            id: "getInvoiceHTML",
            summary: "The invoice as a printable page",
            description: "Number, parties, status, due date, lines and totals in the currency's major units. One Stripe collects "
                + "also has Stripe's own PDF (`invoice_pdf`).",
            parameters: [id],
            responses: [(200, "The page", "text/html", .string)],
            errors: [.notFound],
            handler: printable
        ),
        Route(
            .patch,
            "/v1/invoices/{id}",
            id: "updateInvoice",
            summary: "Change a draft's fields",
            description: "`invoice_not_draft` (409) once finalized. Audited as UPDATE_INVOICE.",
            parameters: [id],
            success: .ok(Resources.invoice.codec, "The draft"),
            errors: [.notFound, .conflict],
            handler: update
        ),
        Route(
            .delete,
            "/v1/invoices/{id}",
            id: "deleteInvoice",
            summary: "Delete a draft (a finalized invoice is voided instead)",
            description: "Audited as DELETE_INVOICE.",
            parameters: [id],
            success: .ok(Resources.invoice.codec, "The draft as it was"),
            errors: [.notFound, .conflict],
            handler: delete
        ),
        Route(
            .post,
            "/v1/invoices/{id}/lines",
            id: "addInvoiceLine",
            summary: "Add a line to a draft",
            description: "A unit amount (negative for a discount) or a catalog price (one-time or recurring, in the invoice's "
                + "currency). Audited as ADD_INVOICE_LINE.",
            parameters: [id],
            success: .created(Resources.invoice.codec, "The draft with its new line (the last)"),
            errors: [.notFound, .conflict],
            handler: addLine
        ),
        Route(
            .patch,
            "/v1/invoices/{id}/lines/{line_id}",
            id: "updateInvoiceLine",
            summary: "Change a draft's line",
            description: "Audited as UPDATE_INVOICE_LINE.",
            parameters: [id, lineID],
            success: .ok(Resources.invoice.codec, "The draft"),
            errors: [.notFound, .conflict],
            handler: updateLine
        ),
        Route(
            .delete,
            "/v1/invoices/{id}/lines/{line_id}",
            id: "deleteInvoiceLine",
            summary: "Remove a draft's line",
            description: "Audited as DELETE_INVOICE_LINE.",
            parameters: [id, lineID],
            success: .ok(Resources.invoice.codec, "The draft"),
            errors: [.notFound, .conflict],
            handler: deleteLine
        ),
        Route(
            .post,
            "/v1/invoices/{id}/finalize",
            id: "finalizeInvoice",
            summary: "Number a draft and freeze its lines and amounts",
            description: "The number (PREFIX-000123) is the app's next, gapless: taken in the transaction that finalizes, so a "
                + "finalize that fails leaves the draft a draft and the number unused. `invoice_no_lines`, `invoice_total_negative` "
                + "(400). A zero total is paid at once. With a provider's collection (sandbox, stripe_invoice) the draft is frozen, "
                + "the provider's copy made under a key of the draft's own (a 503 is retried into the same copy), then numbered; "
                + "`hosted_invoice_url` says where the buyer pays. A collection the app's provider does not offer is a 400 naming "
                + "`collection`. Audited as FINALIZE_INVOICE; `invoice.finalized`.",
            parameters: [id],
            success: .ok(Resources.invoice.codec, "Open (or paid, for a zero total)"),
            errors: [.notFound, .conflict, .unavailable],
            handler: finalize
        ),
        Route(
            .post,
            "/v1/invoices/{id}/mark-paid",
            id: "markInvoicePaid",
            summary: "Record money received out of band (a cheque, a bank transfer)",
            description: "Open or uncollectible invoices. One a provider collects is marked paid there first (Stripe: paid out of "
                + "band; a payment link is deactivated), so its page can no longer be paid. A subscription's invoice: 409 "
                + "`invoice_collected_by_provider` (the provider collects it). Audited as MARK_INVOICE_PAID; `invoice.paid`.",
            parameters: [id],
            success: .ok(Resources.invoice.codec, "Paid"),
            errors: [.notFound, .conflict, .unavailable],
            handler: markPaid
        ),
        Route(
            .post,
            "/v1/invoices/{id}/pay",
            id: "payInvoice",
            summary: "Charge what remains with a saved payment method",
            description: "Open or uncollectible invoices. The charge is a payment of ours (see `payment_id`; refund it through its "
                + "refund route and the invoice shows `amount_refunded`), made under a key of the invoice's own, so a retry after a "
                + "timeout resumes the same charge and never charges twice. 402 `card_declined`: the invoice stays open and "
                + "`invoice.payment_failed` is sent. Paid when the charge succeeds, now or when the provider says so. "
                + "One the provider invoices (sandbox, stripe_invoice) is charged there (Stripe: `POST /v1/invoices/{id}/pay` with "
                + "the payment method), so its page cannot be paid again. 409 `invoice_collected_by_provider` for a payment link (its "
                + "buyer pays on its page) and for a subscription's invoice (the provider collects it). Audited as PAY_INVOICE; "
                + "`invoice.paid`.",
            parameters: [id],
            success: .ok(Resources.invoice.codec, "Paid, or open while the charge is pending"),
            errors: [.notFound, .conflict, .paymentRequired, .unavailable],
            handler: pay
        ),
        Route(
            .post,
            "/v1/invoices/{id}/void",
            id: "voidInvoice",
            summary: "Cancel an open invoice; its number stays used",
            description: "One a provider collects is voided there first (its page can no longer be paid). A subscription's invoice: 409 "
                + "`invoice_collected_by_provider`. Audited as VOID_INVOICE; `invoice.voided`.",
            parameters: [id],
            success: .ok(Resources.invoice.codec, "Void"),
            errors: [.notFound, .conflict, .unavailable],
            handler: void
        ),
        Route(
            .post,
            "/v1/invoices/{id}/mark-uncollectible",
            id: "markInvoiceUncollectible",
            summary: "Write an open invoice off (it may still be paid)",
            description: "Audited as MARK_INVOICE_UNCOLLECTIBLE; `invoice.marked_uncollectible`.",
            parameters: [id],
            success: .ok(Resources.invoice.codec, "Uncollectible"),
            errors: [.notFound, .conflict],
            handler: markUncollectible
        ),
        Route(
            .get,
            "/v1/invoice-settings",
            id: "getInvoiceSettings",
            summary: "The app's invoice numbering",
            success: .ok(Resources.invoiceSettings.codec, "The settings"),
            handler: settings
        ),
        Route(
            .patch,
            "/v1/invoice-settings",
            id: "updateInvoiceSettings",
            summary: "Set the prefix of the numbers invoices take from now on",
            description: "The sequence goes on under the new prefix. Audited as UPDATE_INVOICE_SETTINGS.",
            success: .ok(Resources.invoiceSettings.codec, "The settings"),
            handler: updateSettings
        ),
    ]

    @Sendable func create(_ call: Call<DraftInput, NoQuery>) async throws -> Invoice {
        try await invoices.create(app: try call.app().id, call.body.input, origin: call.origin)
    }

    @Sendable func list(_ call: Call<NoBody, ListQuery>) async throws -> Page<Invoice> {
        try await invoices.list(app: try call.app().id, customer: call.query.customer, filter: call.query.filter, call.query.page)
    }

    @Sendable func get(_ call: Call<NoBody, NoQuery>) async throws -> Invoice {
        try await invoices.get(app: try call.app().id, try call.path("id"))
    }

    @Sendable func printable(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        let invoice = try await invoices.get(app: app.id, try context.parameters.decoded("id"))
        return HTMLPages.page(BuyerPages.library, "invoice", BuyerPages.invoiceContext(invoice, from: app.name, payAt: nil, testMode: false))
    }

    @Sendable func update(_ call: Call<ChangesInput, NoQuery>) async throws -> Invoice {
        try await invoices.update(app: try call.app().id, try call.path("id"), call.body.changes, origin: call.origin)
    }

    @Sendable func delete(_ call: Call<NoBody, NoQuery>) async throws -> Invoice {
        try await invoices.delete(app: try call.app().id, try call.path("id"), origin: call.origin)
    }

    @Sendable func addLine(_ call: Call<LineInput, NoQuery>) async throws -> Invoice {
        try await invoices.addLine(app: try call.app().id, invoice: try call.path("id"), call.body.line, origin: call.origin)
    }

    @Sendable func updateLine(_ call: Call<LineChangesInput, NoQuery>) async throws -> Invoice {
        try await invoices.updateLine(
            app: try call.app().id,
            invoice: try call.path("id"),
            line: try call.path("line_id"),
            call.body.changes,
            origin: call.origin
        )
    }

    @Sendable func deleteLine(_ call: Call<NoBody, NoQuery>) async throws -> Invoice {
        try await invoices.deleteLine(app: try call.app().id, invoice: try call.path("id"), line: try call.path("line_id"), origin: call.origin)
    }

    @Sendable func finalize(_ call: Call<NoBody, NoQuery>) async throws -> Invoice {
        try await invoices.finalize(app: try call.app(), try call.path("id"), origin: call.origin)
    }

    @Sendable func markPaid(_ call: Call<MarkPaidInput, NoQuery>) async throws -> Invoice {
        try await invoices.markPaid(app: try call.app(), try call.path("id"), reference: call.body.reference, origin: call.origin)
    }

    @Sendable func pay(_ call: Call<PayInput, NoQuery>) async throws -> Invoice {
        try await invoices.pay(app: try call.app(), try call.path("id"), paymentMethod: call.body.paymentMethod, origin: call.origin)
    }

    @Sendable func void(_ call: Call<NoBody, NoQuery>) async throws -> Invoice {
        try await invoices.void(app: try call.app(), try call.path("id"), origin: call.origin)
    }

    @Sendable func markUncollectible(_ call: Call<NoBody, NoQuery>) async throws -> Invoice {
        try await invoices.markUncollectible(app: try call.app().id, try call.path("id"), origin: call.origin)
    }

    @Sendable func settings(_ call: Call<NoBody, NoQuery>) async throws -> Invoices.Settings {
        try await invoices.settings(app: try call.app().id)
    }

    @Sendable func updateSettings(_ call: Call<SettingsInput, NoQuery>) async throws -> Invoices.Settings {
        try await invoices.updateSettings(app: try call.app().id, numberPrefix: call.body.numberPrefix, origin: call.origin)
    }

    // MARK: Inputs

    struct ListQuery: APIQuery {
        var page = PageRequest.first
        var customer: String?
        var filter = InvoiceFilter()

        static let query = QueryShape<Self> {
            PageParameters(\.page, of: Invoice.self)
            Parameter.customer(\.customer)
            Parameter("status", \.filter.status, .enumeration)
            Parameter("location_id", \.filter.locationID, .text(Invoice.locationRule))
            Parameter("created[gte]", \.filter.createdGTE, .timestamp)
            Parameter("created[lt]", \.filter.createdLT, .timestamp)
            Parameter("due_date[gte]", \.filter.dueGTE, .timestamp)
            Parameter("due_date[lt]", \.filter.dueLT, .timestamp)
        }
    }

    static let periodRule: Rule<Invoices.Period> = Shape<PeriodInput>("InvoiceLinePeriodInput") {
        Required("start", \.start, .timestamp)
        Required("end", \.end, .timestamp, description: "After start")
    }.rule.then { input, _ in Invoices.Period(start: input.start, end: input.end) }

    struct PeriodInput: APIInput {
        var start = Date(timeIntervalSince1970: 0)
        var end = Date(timeIntervalSince1970: 0)

        static let shape = Shape<Self>(nil) {}
    }

    struct LineInput: APIInput {
        var line = Invoices.LineInput()

        static let shape = Shape<Self>("InvoiceLineInput") {
            Omittable("description", \.line.description, .text(InvoiceLine.descriptionRule), description: "Required with unit_amount")
            Omittable("quantity", \.line.quantity, .integer(InvoiceLine.quantityRule), description: "Default 1")
            Omittable(
                "unit_amount",
                \.line.unitAmount,
                .integer(InvoiceLine.unitAmountRule),
                description: "Minor units; negative for a discount. Or give price."
            )
            Omittable("price", \.line.price, .text(TextRule(length: 1...255)), description: "A catalog price (price_...) to take the amount from")
            Omittable("location_id", \.line.locationID, .text(Invoice.locationRule), description: "Default: the invoice's")
            Omittable("period", \.line.period, periodRule)
            Omittable("metadata", \.line.metadata, .metadata)
        }

        static let rule: Rule<Invoices.LineInput> = shape.rule.then { input, _ in input.line }
    }

    struct DraftInput: APIInput {
        var input = Invoices.DraftInput()

        static let shape = Shape<Self>("InvoiceDraftInput") {
            Required.customer(\.input.customer)
            Required("currency", \.input.currency, .currency)
            Omittable("collection", \.input.collection, .enumeration(Invoice.Collection.chosen), description: "Default manual")
            Omittable("location_id", \.input.locationID, .text(Invoice.locationRule), description: "Where the work was done")
            Omittable("due_date", \.input.dueDate, .timestamp)
            Omittable("days_until_due", \.input.daysUntilDue, .integer(Invoice.daysUntilDueRule), description: "From finalization")
            Omittable("memo", \.input.memo, .text(Invoice.memoRule))
            Omittable("metadata", \.input.metadata, .metadata)
            Omittable("lines", \.input.lines, .list(LineInput.rule, count: 0...Invoice.maxLines))
        }
    }

    struct ChangesInput: APIInput {
        var changes = Invoices.DraftChanges()

        static let shape = Shape<Self>("InvoiceChanges") {
            Omittable("currency", \.changes.currency, .currency, description: "Only while it has no lines")
            Omittable("collection", \.changes.collection, .enumeration(Invoice.Collection.chosen))
            Clearable("location_id", \.changes.locationID, .text(Invoice.locationRule))
            Clearable("due_date", \.changes.dueDate, .timestamp, description: "Replaces days_until_due")
            Clearable("days_until_due", \.changes.daysUntilDue, .integer(Invoice.daysUntilDueRule), description: "Replaces due_date")
            Clearable("memo", \.changes.memo, .text(Invoice.memoRule))
            Omittable("metadata", \.changes.metadata, .metadata, description: "The whole new metadata")
        }
    }

    struct LineChangesInput: APIInput {
        var changes = Invoices.LineChanges()

        static let shape = Shape<Self>("InvoiceLineChanges") {
            Omittable("description", \.changes.description, .text(InvoiceLine.descriptionRule))
            Omittable("quantity", \.changes.quantity, .integer(InvoiceLine.quantityRule))
            Omittable("unit_amount", \.changes.unitAmount, .integer(InvoiceLine.unitAmountRule), description: "Unlinks the catalog price")
            Clearable("location_id", \.changes.locationID, .text(Invoice.locationRule))
            Clearable("period", \.changes.period, periodRule)
            Omittable("metadata", \.changes.metadata, .metadata, description: "The whole new metadata")
        }
    }

    struct MarkPaidInput: APIInput {
        var reference = ""

        static let shape = Shape<Self>("InvoiceMarkPaidInput") {
            Required("reference", \.reference, .text(Invoice.referenceRule), description: "A cheque number, a transfer's reference")
        }
    }

    struct PayInput: APIInput {
        var paymentMethod = ""

        static let shape = Shape<Self>("InvoicePayInput") {
            Required(
                "payment_method",
                \.paymentMethod,
                .text(Payment.paymentMethodRule),
                description: "A saved payment method at the provider; the sandbox takes pm_sandbox_visa, pm_sandbox_declined"
            )
        }
    }

    struct SettingsInput: APIInput {
        var numberPrefix = ""

        static let shape = Shape<Self>("InvoiceSettingsInput") {
            Required("number_prefix", \.numberPrefix, .text(Invoice.prefixRule), description: "1 to 12 capital letters or digits")
        }
    }
}
