import PaymentsContract
import PaymentsDomain
import PaymentsServices

/// `/v1/payments`: one-time charges and their refunds.
struct PaymentsController: Controller {
    let payments: Payments.Service

    static let access = Access.app
    static let id = PathParameter.id(Payment.self)

    static let routes: [Route<Self>] = [
        Route(
            .post,
            "/v1/payments",
            id: "createPayment",
            summary: "Charge a customer once",
            description: "Audited as CREATE_PAYMENT. The provider call carries an operation id recorded before the call; a retry with the "
                + "same Idempotency-Key resumes that operation (looks the payment up first) and never charges twice.",
            success: .created(Resources.payment.codec, "Charged (or pending at the provider)"),
            errors: [.paymentRequired, .notFound, .unavailable],
            handler: create
        ),
        Route(
            .get,
            "/v1/payments",
            id: "listPayments",
            summary: "The app's payments, newest first",
            success: .ok(Resources.payment.list, "A page (without refunds)"),
            errors: [.notFound],
            handler: list
        ),
        Route(
            .get,
            "/v1/payments/{id}",
            id: "getPayment",
            summary: "A payment with its refunds",
            parameters: [id],
            success: .ok(Resources.payment.codec, "The payment"),
            errors: [.notFound],
            handler: get
        ),
        Route(
            .post,
            "/v1/payments/{id}/refunds",
            id: "createRefund",
            summary: "Refund a payment in whole or in part",
            description: "`refund_exceeds_payment` (400) when more is asked than remains (refunds in flight count). Audited as CREATE_REFUND.",
            parameters: [id],
            success: .created(Resources.refund.codec, "Refunded"),
            errors: [.notFound, .unavailable],
            handler: refund
        ),
    ]

    @Sendable func create(_ call: Call<PaymentInput, NoQuery>) async throws -> Resources.PaymentView {
        let body = call.body
        let payment = try await payments.create(
            app: try call.app(),
            Payments.CreateRequest(
                customer: body.customer,
                amount: Money(body.amount, body.currency),
                paymentMethod: body.paymentMethod,
                description: body.description,
                metadata: body.metadata ?? [:]
            ),
            requestKey: call.idempotencyKey,
            origin: call.origin
        )
        return Resources.PaymentView(payment, refunds: [])
    }

    @Sendable func list(_ call: Call<NoBody, ListQuery>) async throws -> Page<Resources.PaymentView> {
        try await payments.list(app: try call.app().id, customer: call.query.customer, call.query.page)
            .map { Resources.PaymentView($0, refunds: nil) }
    }

    @Sendable func get(_ call: Call<NoBody, NoQuery>) async throws -> Resources.PaymentView {
        let (payment, refunds) = try await payments.get(app: try call.app().id, try call.path("id"))
        return Resources.PaymentView(payment, refunds: refunds)
    }

    @Sendable func refund(_ call: Call<RefundInput, NoQuery>) async throws -> Refund {
        try await payments.refund(
            app: try call.app(),
            payment: try call.path("id"),
            amount: call.body.amount,
            reason: call.body.reason,
            requestKey: call.idempotencyKey,
            origin: call.origin
        ).0
    }

    struct ListQuery: APIQuery {
        var page = PageRequest.first
        var customer: String?

        static let query = QueryShape<Self> {
            PageParameters(\.page, of: Payment.self)
            Parameter.customer(\.customer)
        }
    }

    struct PaymentInput: APIInput {
        var customer = ""
        var amount: Int64 = 0
        var currency = Currency.usd
        var paymentMethod = ""
        var description: String?
        var metadata: [String: String]?

        static let shape = Shape<Self>("PaymentInput") {
            Required.customer(\.customer)
            Required("amount", \.amount, .integer(Money.chargeRule), description: "Minor units (cents; yen for jpy)")
            Required("currency", \.currency, .currency)
            Required(
                "payment_method",
                \.paymentMethod,
                .text(Payment.paymentMethodRule),
                description: "A provider payment method id; the sandbox takes pm_sandbox_visa, pm_sandbox_declined, pm_sandbox_fails_later"
            )
            Nullable("description", \.description, .text(Payment.descriptionRule))
            Nullable("metadata", \.metadata, .metadata)
        }
    }

    struct RefundInput: APIInput {
        var amount: Int64?
        var reason: Refund.Reason?

        static let shape = Shape<Self>("RefundInput") {
            Nullable("amount", \.amount, .integer(Money.chargeRule), description: "Minor units; absent = all that remains")
            Nullable("reason", \.reason, .enumeration)
        }
    }
}
