import Logging
import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The Stripe adapter: the provider protocols over Stripe's HTTP API (see `StripeClient` for
/// the mechanics and `StripeTransformers.swift` for the mapping).
///
/// Every write carries the core's idempotency key. Objects it makes carry metadata naming the
/// app and our object (`payments_app_id`, `payments_object_id`, `payments_operation_id`), so
/// webhooks of a shared platform account lead back to the app, and an operation whose answer was
/// lost can be found again.
public struct StripeProvider: CustomerProvisioning, CatalogSync, CheckoutProvider, PortalProvider,
    SubscriptionProvider, PaymentProcessor, UsageReporting, CredentialChecking, InvoiceCollector
{
    public let name = ProviderName.stripe
    public let account: String
    let client: StripeClient

    /// Tuning of the HTTP client.
    public struct Options: Sendable {
        /// Retries after the first attempt (default 2).
        public var maxRetries = 2
        /// The whole call, retries included (default 6 s): when Stripe cannot be reached, the
        /// app's request gets its 503 within this.
        public var timeout: Duration = .seconds(6)
        public var initialRetryDelay: Duration = .milliseconds(500)
        public var maxRetryDelay: Duration = .seconds(5)

        public init() {}
    }

    /// - Parameters:
    ///   - account: `platform`, or the app id whose own account this is.
    ///   - breakers: where this account's circuit breaker lives (one per process); nil: none.
    public init(
        secretKey: Secret<String>,
        account: String,
        transport: StripeTransport,
        options: Options = Options(),
        breakers: CircuitBreakers? = nil,
        logger: Logger
    ) {
        self.account = account
        var policy = StripeClient.RetryPolicy()
        policy.maxRetries = options.maxRetries
        policy.budget = options.timeout
        policy.initialDelay = options.initialRetryDelay
        policy.maxDelay = options.maxRetryDelay
        client = StripeClient(
            secretKey: secretKey,
            transport: transport,
            policy: policy,
            logger: logger,
            breaker: breakers?.handle(provider: .stripe, account: account)
        )
    }

    init(account: String, client: StripeClient) {
        self.account = account
        self.client = client
    }

    /// Checks the credentials: `GET /v1/balance` answers only to a valid key.
    public func checkCredentials() async throws(ProviderError) {
        _ = try await client.get("/v1/balance", as: StripeBalance.self)
    }

    /// Any JSON object: the call only proves the key works.
    struct StripeBalance: Decodable {}

    // MARK: customers

    public func createCustomer(_ customer: Customer, idempotencyKey: String) async throws(ProviderError) -> String {
        var form = FormBody()
        form.add("name", customer.name)
        form.add("email", customer.email)
        form.add(
            "metadata",
            [
                ProviderMetadata.appID: customer.appID.rawValue, ProviderMetadata.externalID: customer.externalID,
                ProviderMetadata.objectID: customer.id.rawValue,
            ]
        )
        return try await client.post("/v1/customers", form, idempotencyKey: idempotencyKey, as: StripeID.self).id
    }

    // MARK: catalog
    //
    // Recurring prices are made with the Plans API, deliberately: it takes a caller-chosen id, so
    // the id is derived from our price id and a re-sync finds what the last one made (by a GET)
    // at any time, not only within Stripe's 24-hour idempotency window; Stripe accepts a plan id
    // wherever a price id goes; and it is the form Stripe stand-ins such as localstripe speak.
    // One-time prices have no Plans form, so they use the Prices API with a `lookup_key` derived
    // the same way. Metered prices are metered plans on a billing meter per app and metric.

    static func planID(_ price: Price) -> String { "payments_\(price.id.rawValue)" }
    static func productID(_ plan: Plan) -> String { "payments_\(plan.id.rawValue)" }

    public func syncPrice(_ price: Price, of plan: Plan) async throws(ProviderError) -> String {
        switch price.terms {
        case .recurring(let money, let interval):
            let id = Self.planID(price)
            if let existing = try await find({ () async throws(ProviderError) in try await client.get("/v1/plans/\(id)", as: StripePlan.self) }) {
                return existing.id
            }
            let product = try await ensureProduct(plan)
            var form = FormBody()
            form.add("id", id)
            form.add("amount", money.amount)
            form.add("currency", money.currency.rawValue)
            form.add("interval", interval.unit.rawValue)
            form.add("interval_count", interval.count)
            form.add("product", product)
            form.add("nickname", "\(plan.key) \(price.key)")
            form.add("metadata", [ProviderMetadata.appID: plan.appID.rawValue, ProviderMetadata.objectID: price.id.rawValue])
            return try await client.post("/v1/plans", form, idempotencyKey: "plan-\(price.id.rawValue)", as: StripePlan.self).id
        case .oneTime(let money):
            let lookupKey = Self.planID(price)
            var query = FormBody()
            query.add("lookup_keys[0]", lookupKey)
            query.add("limit", 1)
            if let existing = try await client.get("/v1/prices", query: query, as: StripeList<StripePrice>.self).data.first {
                return existing.id
            }
            let product = try await ensureProduct(plan)
            var form = FormBody()
            form.add("currency", money.currency.rawValue)
            form.add("unit_amount", money.amount)
            form.add("product", product)
            form.add("lookup_key", lookupKey)
            form.add("nickname", "\(plan.key) \(price.key)")
            form.add("metadata", [ProviderMetadata.appID: plan.appID.rawValue, ProviderMetadata.objectID: price.id.rawValue])
            return try await client.post("/v1/prices", form, idempotencyKey: "price-\(price.id.rawValue)", as: StripePrice.self).id
        case .metered(let metered):
            let id = Self.planID(price)
            if let existing = try await find({ () async throws(ProviderError) in try await client.get("/v1/plans/\(id)", as: StripePlan.self) }) {
                return existing.id
            }
            let pricing = try StripeTiers(metered)
            let meter = try await ensureMeter(metric: metered.metric, app: plan.appID)
            let product = try await ensureProduct(plan)
            var form = FormBody()
            form.add("id", id)
            form.add("currency", metered.currency.rawValue)
            form.add("interval", metered.interval.unit.rawValue)
            form.add("interval_count", metered.interval.count)
            form.add("product", product)
            form.add("nickname", "\(plan.key) \(price.key)")
            form.add("usage_type", "metered")
            form.add("meter", meter)
            pricing.add(to: &form)
            form.add("metadata", [ProviderMetadata.appID: plan.appID.rawValue, ProviderMetadata.objectID: price.id.rawValue])
            return try await client.post("/v1/plans", form, idempotencyKey: "plan-\(price.id.rawValue)", as: StripePlan.self).id
        }
    }

    /// A metric's meter event name: unique in a Stripe account, so one meter per app and metric.
    static func meterEventName(metric: String, app: App.ID) -> String { "payments_\(app.rawValue)_\(metric)" }

    /// The billing meter a metric's usage is reported to: one per app and metric, found by its
    /// event name, made on first use. Usage is summed per customer: the service reports each
    /// period's quantity as it grows (negative to correct), whatever the metric's aggregation.
    func ensureMeter(metric: String, app: App.ID) async throws(ProviderError) -> String {
        let eventName = Self.meterEventName(metric: metric, app: app)
        var query = FormBody()
        query.add("status", "active")
        query.add("limit", 100)
        var startingAfter: String?
        while true {
            var page = query
            page.add("starting_after", startingAfter)
            let meters = try await client.get("/v1/billing/meters", query: page, as: StripeList<StripeMeter>.self)
            if let meter = meters.data.first(where: { $0.event_name == eventName }) { return meter.id }
            guard meters.has_more, let last = meters.data.last else { break }
            startingAfter = last.id
        }
        var form = FormBody()
        form.add("display_name", "\(metric) (\(app.rawValue))")
        form.add("event_name", eventName)
        form.add("default_aggregation[formula]", "sum")
        form.add("customer_mapping[type]", "by_id")
        form.add("customer_mapping[event_payload_key]", "stripe_customer_id")
        form.add("value_settings[event_payload_key]", "value")
        return try await client.post("/v1/billing/meters", form, idempotencyKey: "meter-\(eventName)", as: StripeMeter.self).id
    }

    /// The plan's Stripe product, made on first use with an id derived from the plan's.
    func ensureProduct(_ plan: Plan) async throws(ProviderError) -> String {
        let id = Self.productID(plan)
        if let existing = try await find({ () async throws(ProviderError) in try await client.get("/v1/products/\(id)", as: StripeProduct.self) }) {
            return existing.id
        }
        var form = FormBody()
        form.add("id", id)
        form.add("name", plan.name)
        form.add("metadata", [ProviderMetadata.appID: plan.appID.rawValue, ProviderMetadata.objectID: plan.id.rawValue])
        do {
            return try await client.post("/v1/products", form, idempotencyKey: "product-\(plan.id.rawValue)", as: StripeProduct.self).id
        } catch  where error.providerCode == "resource_already_exists" {
            return id  // made meanwhile by a concurrent sync
        }
    }

    public func deactivatePrice(providerPriceID: String) async throws(ProviderError) {
        var form = FormBody()
        form.add("active", false)
        let path = providerPriceID.hasPrefix("payments_price_") ? "/v1/plans/\(providerPriceID)" : "/v1/prices/\(providerPriceID)"
        _ = try await client.post(path, form, idempotencyKey: "deactivate-\(providerPriceID)", as: StripeID.self)
    }

    public func verifyLinkedPrice(_ price: Price) async throws(ProviderError) {
        guard let linked = price.linkedProviderPriceID else { return }
        let found: (active: Bool, currency: String, amount: Int64?, interval: String?, count: Int?)
        if let stripePrice = try await find({ () async throws(ProviderError) in try await client.get("/v1/prices/\(linked)", as: StripePrice.self) })
        {
            found = (
                stripePrice.active, stripePrice.currency, stripePrice.unit_amount, stripePrice.recurring?.interval,
                stripePrice.recurring?.interval_count
            )
        } else if let plan = try await find({ () async throws(ProviderError) in try await client.get("/v1/plans/\(linked)", as: StripePlan.self) }) {
            found = (plan.active, plan.currency, plan.amount, plan.interval, plan.interval_count)
        } else {
            throw .notFound("No such price in the Stripe account: '\(linked)'.")
        }
        guard found.active else { throw .invalidRequest("Stripe price \(linked) is archived.") }
        let agrees: Bool
        switch price.terms {
        case .oneTime(let money):
            agrees = found.interval == nil && found.currency == money.currency.rawValue && found.amount == money.amount
        case .recurring(let money, let interval):
            agrees =
                found.currency == money.currency.rawValue && found.amount == money.amount
                && found.interval == interval.unit.rawValue && found.count == interval.count
        case .metered(let metered):
            agrees = found.currency == metered.currency.rawValue && found.interval == metered.interval.unit.rawValue
        }
        guard agrees else {
            throw .invalidRequest("Stripe price \(linked) does not match this price's type, amount, currency or interval.")
        }
    }

    /// A GET that answers nil for 404.
    func find<T>(_ get: () async throws(ProviderError) -> T) async throws(ProviderError) -> T? {
        do { return try await get() } catch  where error.isNotFound { return nil }
    }

    // MARK: payments

    public func createPayment(_ request: ProviderPaymentRequest, idempotencyKey: String) async throws(ProviderError) -> ProviderPayment {
        var form = FormBody()
        form.add("amount", request.amount.amount)
        form.add("currency", request.amount.currency.rawValue)
        form.add("customer", request.customer)
        form.add("payment_method", request.paymentMethod)
        // Confirmed server-side with no buyer present to follow a redirect (API 2026-10-28 has
        // no `payment_method_types` here).
        form.add("automatic_payment_methods[enabled]", true)
        form.add("automatic_payment_methods[allow_redirects]", "never")
        form.add("confirm", true)
        form.add("description", request.description)
        form.add("metadata", request.metadata)
        form.add("expand[0]", "latest_charge")
        let intent = try await client.post("/v1/payment_intents", form, idempotencyKey: idempotencyKey, as: StripePaymentIntent.self)
        let payment = intent.domain()
        if payment.status == .failed, let failure = payment.failure {
            throw .cardDeclined(failure.message, declineCode: failure.declineCode, payment: payment)
        }
        return payment
    }

    public func retrievePayment(_ id: String) async throws(ProviderError) -> ProviderPayment {
        var query = FormBody()
        query.add("expand[0]", "latest_charge")
        return try await client.get("/v1/payment_intents/\(id)", query: query, as: StripePaymentIntent.self).domain()
    }

    public func findPayment(customer: String, operationID: String) async throws(ProviderError) -> ProviderPayment? {
        var query = FormBody()
        query.add("customer", customer)
        query.add("limit", 100)
        query.add("expand[0]", "data.latest_charge")
        let intents = try await client.get("/v1/payment_intents", query: query, as: StripeList<StripePaymentIntent>.self)
        return intents.data.first { $0.metadata?[ProviderMetadata.operationID] == operationID }?.domain()
    }

    public func createRefund(_ request: ProviderRefundRequest, idempotencyKey: String) async throws(ProviderError) -> ProviderRefund {
        var form = FormBody()
        form.add("payment_intent", request.payment)
        form.add("amount", request.amount)
        form.add("reason", request.reason?.rawValue)
        form.add("metadata", Self.metadata(ourID: request.ourID, operationID: request.operationID, app: request.appID))
        return try await client.post("/v1/refunds", form, idempotencyKey: idempotencyKey, as: StripeRefund.self).domain
    }

    public func findRefund(payment: String, operationID: String) async throws(ProviderError) -> ProviderRefund? {
        try await listRefunds(payment: payment).first { $0.operationID == operationID }
    }

    /// `GET /v1/refunds?payment_intent=` (a payment has far fewer than 100).
    public func listRefunds(payment: String) async throws(ProviderError) -> [ProviderRefund] {
        var query = FormBody()
        query.add("payment_intent", payment)
        query.add("limit", 100)
        return try await client.get("/v1/refunds", query: query, as: StripeList<StripeRefund>.self).data.map(\.domain)
    }

    static func metadata(ourID: String, operationID: String, app: App.ID?) -> [String: String] {
        var metadata = [ProviderMetadata.objectID: ourID, ProviderMetadata.operationID: operationID]
        metadata[ProviderMetadata.appID] = app?.rawValue
        return metadata
    }

    // MARK: usage

    /// One meter event. Stripe refuses an identifier it has seen (within at least 24 hours)
    /// with a 400; that identifier's usage is already counted, so the report is done.
    public func reportUsage(_ report: ProviderUsageReport) async throws(ProviderError) {
        var form = FormBody()
        form.add("event_name", Self.meterEventName(metric: report.metric, app: report.appID))
        form.add("identifier", report.identifier)
        form.add("timestamp", Int64(report.timestamp.timeIntervalSince1970.rounded(.down)))
        form.add("payload[stripe_customer_id]", report.customer)
        form.add("payload[value]", report.value)
        do {
            _ = try await client.post("/v1/billing/meter_events", form, idempotencyKey: "meter-event-\(report.identifier)", as: StripeMeterEvent.self)
        } catch  where error.codeLabel == "invalid_request" && error.message.contains("already exists with identifier") {
            return
        }
    }

    // MARK: subscriptions

    /// `items[i][plan]` for the plans this adapter makes, `items[i][price]` for prices an app linked.
    static func itemKey(_ price: String) -> String { price.hasPrefix("price_") ? "price" : "plan" }

    public func createSubscription(
        _ request: ProviderSubscriptionRequest,
        idempotencyKey: String
    ) async throws(ProviderError)
        -> ProviderSubscription
    {
        if let method = request.paymentMethod {
            // Subscriptions charge the customer's default invoice payment method.
            var attach = FormBody()
            attach.add("customer", request.customer)
            let attached = try await client.post(
                "/v1/payment_methods/\(method)/attach",
                attach,
                idempotencyKey: "\(idempotencyKey)-attach",
                as: StripeID.self
            )
            var update = FormBody()
            update.add("invoice_settings[default_payment_method]", attached.id)
            _ = try await client.post("/v1/customers/\(request.customer)", update, idempotencyKey: "\(idempotencyKey)-default", as: StripeID.self)
        }
        var form = FormBody()
        form.add("customer", request.customer)
        for (index, item) in request.items.enumerated() {
            form.add("items[\(index)][\(Self.itemKey(item.price))]", item.price)
            // A metered item bills its meter's usage and takes no quantity.
            form.add("items[\(index)][quantity]", item.quantity)
        }
        if let days = request.trialPeriodDays, days > 0 { form.add("trial_period_days", days) }
        form.add("payment_behavior", "allow_incomplete")
        form.add("metadata", Self.metadata(ourID: request.ourID, operationID: request.operationID, app: request.appID))
        return try await client.post("/v1/subscriptions", form, idempotencyKey: idempotencyKey, as: StripeSubscription.self).domain
    }

    public func retrieveSubscription(_ id: String) async throws(ProviderError) -> ProviderSubscription {
        try await client.get("/v1/subscriptions/\(id)", as: StripeSubscription.self).domain
    }

    public func findSubscription(customer: String, operationID: String) async throws(ProviderError) -> ProviderSubscription? {
        var query = FormBody()
        query.add("customer", customer)
        query.add("status", "all")
        query.add("limit", 100)
        let subscriptions = try await client.get("/v1/subscriptions", query: query, as: StripeList<StripeSubscription>.self)
        return subscriptions.data.first { $0.metadata?[ProviderMetadata.operationID] == operationID }?.domain
    }

    public func updateSubscription(
        _ id: String,
        _ change: ProviderSubscriptionChange,
        idempotencyKey: String
    )
        async throws(ProviderError) -> ProviderSubscription
    {
        var form = FormBody()
        for (index, item) in change.items.enumerated() {
            form.add("items[\(index)][id]", item.id)
            if let price = item.price { form.add("items[\(index)][\(Self.itemKey(price))]", price) }
            if item.deleted {
                form.add("items[\(index)][deleted]", true)
            } else {
                form.add("items[\(index)][quantity]", item.quantity)
            }
        }
        form.add("proration_behavior", change.prorationBehavior?.rawValue)
        return try await client.post("/v1/subscriptions/\(id)", form, idempotencyKey: idempotencyKey, as: StripeSubscription.self).domain
    }

    public func cancelSubscription(
        _ id: String,
        atPeriodEnd: Bool,
        idempotencyKey: String
    ) async throws(ProviderError)
        -> ProviderSubscription
    {
        if atPeriodEnd {
            var form = FormBody()
            form.add("cancel_at_period_end", true)
            return try await client.post("/v1/subscriptions/\(id)", form, idempotencyKey: idempotencyKey, as: StripeSubscription.self).domain
        }
        // The final invoice bills the metered usage not yet invoiced (and pending prorations).
        return try await client.delete("/v1/subscriptions/\(id)?invoice_now=true", idempotencyKey: idempotencyKey, as: StripeSubscription.self)
            .domain
    }

    // MARK: checkout and portal

    public func createCheckoutSession(
        _ request: ProviderCheckoutRequest,
        idempotencyKey: String
    ) async throws(ProviderError)
        -> ProviderCheckoutSession
    {
        var form = FormBody()
        form.add("mode", request.mode.rawValue)
        form.add("customer", request.customer)
        form.add("client_reference_id", request.ourID)
        for (index, item) in request.items.enumerated() {
            form.add("line_items[\(index)][price]", item.price)
            // Stripe Checkout takes a metered price without a quantity.
            form.add("line_items[\(index)][quantity]", item.quantity)
        }
        form.add("success_url", request.successURL)
        form.add("cancel_url", request.cancelURL)
        form.add("metadata", request.metadata)
        switch request.mode {
        case .subscription:
            if let days = request.trialPeriodDays, days > 0 { form.add("subscription_data[trial_period_days]", days) }
            form.add("subscription_data[metadata]", request.metadata)
        case .payment:
            form.add("payment_intent_data[metadata]", request.metadata)
        }
        return try await client.post("/v1/checkout/sessions", form, idempotencyKey: idempotencyKey, as: StripeCheckoutSession.self).domain
    }

    public func retrieveCheckoutSession(_ id: String) async throws(ProviderError) -> ProviderCheckoutSession {
        try await client.get("/v1/checkout/sessions/\(id)", as: StripeCheckoutSession.self).domain
    }

    public func createPortalSession(customer: String, returnURL: String?, idempotencyKey: String) async throws(ProviderError) -> String {
        var form = FormBody()
        form.add("customer", customer)
        form.add("return_url", returnURL)
        return try await client.post("/v1/billing_portal/sessions", form, idempotencyKey: idempotencyKey, as: StripePortalSession.self).url
    }
}
