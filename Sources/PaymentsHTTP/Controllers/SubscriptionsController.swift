import PaymentsContract
import PaymentsDomain
import PaymentsServices

/// `/v1/subscriptions`: start, read, change and cancel subscriptions.
struct SubscriptionsController: Controller {
    let subscriptions: Subscriptions.Service

    static let access = Access.app
    static let id = PathParameter.id(Subscription.self)

    static let routes: [Route<Self>] = [
        Route(
            .post,
            "/v1/subscriptions",
            id: "createSubscription",
            summary: "Start a subscription",
            description: "Audited as CREATE_SUBSCRIPTION. Crash-safe like payments.",
            success: .created(
                Resources.subscription.codec,
                "Started: trialing, active, or incomplete when the first charge was declined"
            ),
            errors: [.notFound, .unavailable],
            handler: create
        ),
        Route(
            .get,
            "/v1/subscriptions",
            id: "listSubscriptions",
            summary: "The app's subscriptions, newest first",
            success: .ok(Resources.subscription.list, "A page"),
            errors: [.notFound],
            handler: list
        ),
        Route(
            .get,
            "/v1/subscriptions/{id}",
            id: "getSubscription",
            summary: "A subscription",
            parameters: [id],
            success: .ok(Resources.subscription.codec, "The subscription"),
            errors: [.notFound],
            handler: get
        ),
        Route(
            .patch,
            "/v1/subscriptions/{id}",
            id: "updateSubscription",
            summary: "Change plan, prices or quantity",
            parameters: [id],
            success: .ok(Resources.subscription.codec, "Updated"),
            errors: [.notFound, .unavailable],
            handler: update
        ),
        Route(
            .post,
            "/v1/subscriptions/{id}/cancel",
            id: "cancelSubscription",
            summary: "Cancel now or at the end of the period",
            parameters: [id],
            success: .ok(Resources.subscription.codec, "Canceled, or set to cancel at period end"),
            errors: [.notFound, .unavailable],
            handler: cancel
        ),
    ]

    @Sendable func create(_ call: Call<SubscriptionInput, NoQuery>) async throws -> Subscription {
        let body = call.body
        return try await subscriptions.create(
            app: try call.app(),
            Subscriptions.CreateRequest(
                customer: body.customer,
                plan: body.plan,
                price: body.price,
                prices: body.prices,
                quantity: body.quantity ?? 1,
                trialPeriodDays: body.trialPeriodDays,
                paymentMethod: body.paymentMethod
            ),
            requestKey: call.idempotencyKey,
            origin: call.origin
        )
    }

    @Sendable func list(_ call: Call<NoBody, ListQuery>) async throws -> Page<Subscription> {
        try await subscriptions.list(app: try call.app().id, customer: call.query.customer, status: call.query.status, call.query.page)
    }

    @Sendable func get(_ call: Call<NoBody, NoQuery>) async throws -> Subscription {
        try await subscriptions.get(app: try call.app().id, try call.path("id"))
    }

    @Sendable func update(_ call: Call<SubscriptionUpdate, NoQuery>) async throws -> Subscription {
        let body = call.body
        return try await subscriptions.update(
            app: try call.app(),
            try call.path("id"),
            Subscriptions.Change(
                plan: body.plan,
                price: body.price,
                prices: body.prices,
                quantity: body.quantity,
                prorationBehavior: body.prorationBehavior
            ),
            requestKey: call.idempotencyKey,
            origin: call.origin
        )
    }

    @Sendable func cancel(_ call: Call<SubscriptionCancel, NoQuery>) async throws -> Subscription {
        try await subscriptions.cancel(
            app: try call.app(),
            try call.path("id"),
            atPeriodEnd: call.body.atPeriodEnd ?? false,
            requestKey: call.idempotencyKey,
            origin: call.origin
        )
    }

    struct ListQuery: APIQuery {
        var page = PageRequest.first
        var customer: String?
        var status: Subscription.Status?

        static let query = QueryShape<Self> {
            PageParameters(\.page, of: Subscription.self)
            Parameter.customer(\.customer)
            Parameter("status", \.status, .enumeration)
        }
    }

    struct SubscriptionInput: APIInput {
        var customer = ""
        var plan = ""
        var price: String?
        var prices: [String]?
        var quantity: Int?
        var trialPeriodDays: Int?
        var paymentMethod: String?

        static let shape = Shape<Self>("SubscriptionInput") {
            Required.customer(\.customer)
            Required("plan", \.plan, .text(Plan.keyRule), description: "The plan's key")
            Nullable(
                "price",
                \.price,
                .text(Plan.keyRule),
                description: "The base price's key; may be left out when the plan has one recurring licensed price"
            )
            Nullable("prices", \.prices, pricesRule, description: pricesDescription)
            Nullable("quantity", \.quantity, .integer(Subscription.quantityRule), description: "The base price's quantity")
            Nullable("trial_period_days", \.trialPeriodDays, .integer(Subscription.trialDaysRule), description: "Defaults to the plan's")
            Nullable(
                "payment_method",
                \.paymentMethod,
                .text(Payment.paymentMethodRule),
                description: "A provider payment method id; the sandbox takes pm_sandbox_visa, pm_sandbox_declined, pm_sandbox_fails_later"
            )
        }
    }

    struct SubscriptionUpdate: APIInput {
        var plan: String?
        var price: String?
        var prices: [String]?
        var quantity: Int?
        var prorationBehavior: ProrationBehavior?

        static let shape = Shape<Self>("SubscriptionUpdate") {
            Nullable("plan", \.plan, .text(Plan.keyRule))
            Nullable("price", \.price, .text(Plan.keyRule), description: "The new base price's key")
            Nullable("prices", \.prices, pricesRule, description: pricesDescription)
            Nullable("quantity", \.quantity, .integer(Subscription.quantityRule), description: "The base price's quantity")
            Nullable("proration_behavior", \.prorationBehavior, .enumeration)
        }
    }

    static let pricesRule = Rule<[String]>.list(.text(Plan.keyRule), count: Subscription.itemCount, unique: true)
    static let pricesDescription =
        "The keys of the prices to bill, each an item: recurring and metered prices of one interval and currency. Default: the base price and every metered price of the plan with its interval and currency"

    struct SubscriptionCancel: APIInput {
        var atPeriodEnd: Bool?

        static let shape = Shape<Self>("SubscriptionCancel") {
            Nullable("at_period_end", \.atPeriodEnd, .boolean, description: "Default false: cancel now")
        }
    }
}
