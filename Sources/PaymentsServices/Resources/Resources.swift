import PaymentsContract
import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The objects the API answers with and events carry, each declared once as a `Resource`: the
/// JSON written (in responses and in events alike) and the OpenAPI schema both come from these
/// declarations.
public enum Resources {}

extension Resources {
    static let customerDescription = "The customer's external id: the app's own id for it (`org_42`)"

    public static let customer = Resource<Customer>("Customer", object: "customer") {
        Field("id", \.id)
        Field("external_id", \.externalID, description: "The app's own id for the customer")
        Field("name", \.name)
        Field("email", \.email)
        Field("legal_name", \.legalName)
        Field("metadata", \.metadata)
        Field("created_at", \.createdAt)
        Field("updated_at", \.updatedAt)
    }

    public static let subscription = Resource<Subscription>("Subscription", object: "subscription") {
        Field("id", \.id)
        Field("customer_id", \.customerID)
        Field("customer", \.customerExternalID, description: customerDescription)
        Field("plan_id", \.planID)
        Field("price_id", \.priceID, description: "The base price: the first licensed item's")
        Field("quantity", \.quantity, description: "The base price's quantity")
        Field("items", \.items, subscriptionItem.codec.list, description: "Every price the subscription bills")
        Field("status", \.status)
        Field("provider", \.provider)
        Field("provider_subscription_id", \.providerSubscriptionID)
        Field("current_period_start", \.currentPeriodStart)
        Field("current_period_end", \.currentPeriodEnd)
        Field("trial_end", \.trialEnd)
        Field("cancel_at_period_end", \.cancelAtPeriodEnd)
        Field("canceled_at", \.canceledAt)
        Field("ended_at", \.endedAt)
        Field("created_at", \.createdAt)
        Field("updated_at", \.updatedAt)
    }

    static let subscriptionItem = Resource<Subscription.Item>("SubscriptionItem") {
        Field("id", \.id)
        Field("price_id", \.priceID, description: "Null when the provider bills a price the service does not know")
        Field("provider_price_id", \.providerPriceID)
        Field("provider_item_id", \.providerItemID)
        Field("quantity", \.quantity, description: "Null for a metered item: it bills the period's usage")
        Field("unknown_price", { $0.priceID == nil }, description: "True when the provider bills a price not in the catalog (set at the provider)")
    }

    public static let refund = Resource<Refund>("Refund", object: "refund") {
        Field("id", \.id)
        Field("payment_id", \.paymentID)
        Field("amount", \.amount.amount)
        Field("currency", \.amount.currency)
        Field("reason", \.reason)
        Field("status", \.status)
        Field("provider_refund_id", \.providerRefundID)
        Field("created_at", \.createdAt)
        Field("updated_at", \.updatedAt)
    }

    /// A payment, with its refunds when it is shown alone (lists leave them out).
    public struct PaymentView: Sendable {
        public let payment: Payment
        public let refunds: [Refund]?

        public init(_ payment: Payment, refunds: [Refund]?) {
            self.payment = payment
            self.refunds = refunds
        }
    }

    static let paymentFailure = Resource<PaymentFailure>(nil) {
        Field("code", \.code)
        Field("decline_code", \.declineCode)
        Field("message", \.message)
    }

    public static let payment = Resource<PaymentView>("Payment", object: "payment") {
        Field("id", \.payment.id)
        Field("customer_id", \.payment.customerID)
        Field("customer", \.payment.customerExternalID, description: customerDescription)
        Field("amount", \.payment.amount.amount)
        Field("currency", \.payment.amount.currency)
        Field("amount_refunded", \.payment.amountRefunded)
        Field("status", \.payment.status, description: "`unknown`: the provider did not answer; the service reconciles it")
        Field("description", \.payment.description)
        Field("metadata", \.payment.metadata)
        Field("provider", \.payment.provider)
        Field("provider_payment_id", \.payment.providerPaymentID)
        Field("failure", \.payment.failure, paymentFailure.codec.nullable)
        Field.omittedWhenNil("refunds", \.refunds, refund.codec.list, description: "On a single payment only")
        Field("created_at", \.payment.createdAt)
        Field("updated_at", \.payment.updatedAt)
    }

    public static let checkoutSession = Resource<CheckoutSession>("CheckoutSession", object: "checkout_session") {
        Field("id", \.id)
        Field("customer_id", \.customerID)
        Field("customer", \.customerExternalID, description: customerDescription)
        Field("mode", \.mode)
        Field("plan_id", \.planID)
        Field("price_id", \.priceID)
        Field("quantity", \.quantity)
        Field("trial_period_days", \.trialPeriodDays)
        Field("status", \.status)
        Field("url", { $0.status == .open ? $0.url : nil }, description: "Where to send the buyer; null once not open")
        Field("expires_at", \.expiresAt)
        Field("success_url", \.successURL)
        Field("cancel_url", \.cancelURL)
        Field("metadata", \.metadata)
        Field("provider", \.provider)
        Field("provider_session_id", \.providerSessionID)
        Field("subscription_id", \.subscriptionID)
        Field("payment_id", \.paymentID)
        Field("created_at", \.createdAt)
    }

    public static let portalSession = Resource<String>("PortalSession", object: "portal_session") {
        Field("url", { $0 }, description: "Where to send the customer")
    }

    public static let metric = Resource<Metric>("Metric", object: "metric") {
        Field("id", \.id)
        Field("key", \.key, description: "What usage events and metered prices name it by")
        Field("name", \.name)
        Field("aggregation", \.aggregation, description: "How a period's events become one number")
        Field(
            "field",
            \.field,
            description: "unique_count: the property whose distinct values are counted; sum, max, last: the property holding the "
                + "number (else the event's value)"
        )
        Field("unit", \.unit)
        Field("created_at", \.createdAt)
        Field("updated_at", \.updatedAt)
    }

    /// A usage event as recorded, and whether this request recorded it or found it recorded.
    public struct RecordedEvent: Sendable {
        public let event: UsageEvent
        public let duplicate: Bool

        public init(_ event: UsageEvent, duplicate: Bool) {
            self.event = event
            self.duplicate = duplicate
        }
    }

    static let period = Resource<UsagePeriod>("UsagePeriod") {
        Field("start", \.start)
        Field("end", \.end, description: "Exclusive")
    }

    public static let usageEvent = Resource<RecordedEvent>("UsageEvent", object: "usage_event") {
        Field("id", \.event.id, description: "The app's own id: unique for ever")
        Field("customer_id", \.event.customerID)
        Field("customer", \.event.customerExternalID, description: customerDescription)
        Field("metric", \.event.metric)
        Field("value", \.event.value, Codec<Double>(.number) { value, writer in writer.value(value) }, description: "What the event adds")
        Field("timestamp", \.event.timestamp)
        Field("properties", { JSONValue.object($0.event.properties) })
        Field("period", \.event.period, period.codec, description: "The billing period it counts in")
        Field("duplicate", \.duplicate, description: "true: recorded before with the same body; nothing was written again")
        Field("created_at", \.event.createdAt)
    }

    /// One event of a batch: what became of it.
    public struct BatchResult: Sendable {
        public let index: Int
        public let outcome: Usage.Outcome

        public init(index: Int, outcome: Usage.Outcome) {
            self.index = index
            self.outcome = outcome
        }

        var status: String {
            switch outcome {
            case .created: "created"
            case .duplicate: "duplicate"
            case .refused: "refused"
            }
        }

        var id: String? {
            switch outcome {
            case .created(let event), .duplicate(let event): event.id
            case .refused: nil
            }
        }

        var error: PaymentsError? {
            if case .refused(let error) = outcome { return error }
            return nil
        }
    }

    static let batchError = Resource<PaymentsError>("UsageBatchError") {
        Field("type", \.kind.rawValue)
        Field("code", \.code.rawValue)
        Field("message", \.message)
        Field("param", \.param)
    }

    static let batchResult = Resource<BatchResult>("UsageBatchResult") {
        Field("index", \.index)
        Field("status", \.status, Codec<String>.string(allowedValues: ["created", "duplicate", "refused"]))
        Field("id", \.id)
        Field("error", \.error, batchError.codec.nullable)
    }

    public static let usageBatch = Resource<[BatchResult]>("UsageEventBatch", object: "usage_event_batch") {
        Field("created", { $0.filter { $0.status == "created" }.count })
        Field("duplicates", { $0.filter { $0.status == "duplicate" }.count })
        Field("refused", { $0.filter { $0.status == "refused" }.count })
        Field("results", { $0 }, batchResult.codec.list, description: "One per event, in the order sent")
    }

    public static let metricUsage = Resource<Usage.MetricUsage>("MetricUsage") {
        Field("metric", \.metric.key)
        Field("name", \.metric.name)
        Field("aggregation", \.metric.aggregation)
        Field("unit", \.metric.unit)
        Field("value", \.value, Codec<Double>(.number) { value, writer in writer.value(value) }, description: "The aggregated value")
        Field("events", \.events)
        Field("included_quantity", \.includedQuantity, description: "Free units (per period) of the plan's metered price")
        Field("billable_quantity", \.billableQuantity, description: "Whole units beyond the included quantity, per period, added up")
        Field("amount", \.amount?.amount, description: "What the billable quantity costs by the price's unit amount or tiers; null: not priced")
        Field("currency", \.amount?.currency)
        Field("limit", \.limit, description: "The plan's limit of the metric per period, if any")
    }

    public static let customerUsage = Resource<Usage.CustomerUsage>("CustomerUsage", object: "customer_usage") {
        Field("customer_id", \.customer.id)
        Field("customer", \.customer.externalID, description: customerDescription)
        Field("period", \.period, period.codec)
        Field("metrics", \.metrics, metricUsage.codec.list)
    }

    /// A customer's usage of a metric reaching a share of the plan's limit in a period.
    public struct UsageThreshold: Sendable {
        public let customerID: Customer.ID
        public let customer: String
        public let metric: String
        public let threshold: Int
        public let value: Double
        public let limit: Int64
        public let period: UsagePeriod
    }

    public static let usageThreshold = Resource<UsageThreshold>("UsageThreshold", object: "usage_threshold") {
        Field("customer_id", \.customerID)
        Field("customer", \.customer, description: customerDescription)
        Field("metric", \.metric)
        Field("threshold", \.threshold, description: "80 or 100: the share of the limit reached, in percent")
        Field("value", \.value, Codec<Double>(.number) { value, writer in writer.value(value) }, description: "The usage when it was reached")
        Field("limit", \.limit)
        Field("period", \.period, period.codec)
    }

    public static let gracePeriod = Resource<GracePeriod>("GracePeriod", object: "grace_period") {
        Field("id", \.id)
        Field("customer_id", \.customerID)
        Field("customer", \.customerExternalID, description: customerDescription)
        Field("subscription_id", \.subscriptionID)
        Field("reason", \.reason)
        Field("status", \.status)
        Field("starts_at", \.startsAt)
        Field("ends_at", \.endsAt)
        Field("closed_at", \.closedAt)
        Field("resolution", \.resolution)
        Field("created_at", \.createdAt)
    }
}
