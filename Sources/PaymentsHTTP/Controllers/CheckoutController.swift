import PaymentsContract
import PaymentsDomain
import PaymentsServices

/// `/v1/checkout-sessions` and `/v1/portal-sessions`: pages hosted by the provider.
struct CheckoutController: Controller {
    let checkout: Checkout.Service

    static let access = Access.app

    static let routes: [Route<Self>] = [
        Route(
            .post,
            "/v1/checkout-sessions",
            id: "createCheckoutSession",
            summary: "Open a hosted checkout page",
            description: "Subscription mode needs a recurring price, payment mode a one-time price. Audited as CREATE_CHECKOUT_SESSION.",
            success: .created(Resources.checkoutSession.codec, "Send the buyer to `url`"),
            errors: [.notFound, .unavailable],
            handler: create
        ),
        Route(
            .get,
            "/v1/checkout-sessions/{id}",
            id: "getCheckoutSession",
            summary: "A checkout session, brought up to date from the provider",
            parameters: [PathParameter("id", .string(minLength: 1), "Our id (cs_...) or the provider's")],
            success: .ok(Resources.checkoutSession.codec, "The session; once complete, with the subscription or payment it made"),
            errors: [.notFound, .unavailable],
            handler: get
        ),
        Route(
            .post,
            "/v1/portal-sessions",
            id: "createPortalSession",
            summary: "A link to the provider's billing portal",
            success: .created(Resources.portalSession.codec, "Send the customer to `url`"),
            errors: [.notFound, .unavailable],
            handler: portal
        ),
    ]

    @Sendable func create(_ call: Call<CheckoutInput, NoQuery>) async throws -> CheckoutSession {
        let body = call.body
        return try await checkout.create(
            app: try call.app(),
            Checkout.CreateRequest(
                customer: body.customer,
                mode: body.mode,
                plan: body.plan,
                price: body.price,
                prices: body.prices,
                quantity: body.quantity ?? 1,
                trialPeriodDays: body.trialPeriodDays,
                successURL: body.successURL,
                cancelURL: body.cancelURL,
                metadata: body.metadata ?? [:]
            ),
            requestKey: call.idempotencyKey,
            origin: call.origin
        )
    }

    @Sendable func get(_ call: Call<NoBody, NoQuery>) async throws -> CheckoutSession {
        try await checkout.get(app: try call.app(), try call.path("id"), origin: call.origin)
    }

    @Sendable func portal(_ call: Call<PortalInput, NoQuery>) async throws -> String {
        try await checkout.portal(
            app: try call.app(),
            customer: call.body.customer,
            returnURL: call.body.returnURL,
            requestKey: call.idempotencyKey,
            origin: call.origin
        )
    }

    struct CheckoutInput: APIInput {
        var customer = ""
        var mode = CheckoutSession.Mode.subscription
        var plan = ""
        var price: String?
        var prices: [String]?
        var quantity: Int?
        var trialPeriodDays: Int?
        var successURL = ""
        var cancelURL: String?
        var metadata: [String: String]?

        static let shape = Shape<Self>("CheckoutSessionInput") {
            Required.customer(\.customer)
            Required("mode", \.mode, .enumeration)
            Required("plan", \.plan, .text(Plan.keyRule), description: "The plan's key")
            Nullable(
                "price",
                \.price,
                .text(Plan.keyRule),
                description:
                    "The (base) price key; may be left out when the plan has one of the mode's (one licensed recurring price in subscription mode)"
            )
            Nullable(
                "prices",
                \.prices,
                SubscriptionsController.pricesRule,
                description: "Subscription mode only. " + SubscriptionsController.pricesDescription
            )
            Nullable("quantity", \.quantity, .integer(Subscription.quantityRule), description: "The (base) price's quantity")
            Nullable("trial_period_days", \.trialPeriodDays, .integer(Subscription.trialDaysRule), description: "Subscription mode only")
            Required(
                "success_url",
                \.successURL,
                .text(CheckoutSession.urlRule),
                description: "Where the buyer lands after paying; `{CHECKOUT_SESSION_ID}` is replaced by the provider's session id"
            )
            Nullable("cancel_url", \.cancelURL, .text(CheckoutSession.urlRule))
            Nullable("metadata", \.metadata, .metadata)
        }
    }

    struct PortalInput: APIInput {
        var customer = ""
        var returnURL: String?

        static let shape = Shape<Self>("PortalSessionInput") {
            Required.customer(\.customer)
            Nullable("return_url", \.returnURL, .text(CheckoutSession.urlRule))
        }
    }
}
