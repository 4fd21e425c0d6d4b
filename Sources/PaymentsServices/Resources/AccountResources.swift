import OpenAPIKit
import PaymentsContract
import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Resources {
    public static let billingSummary = Resource<BillingSummary>("BillingSummary", object: "billing_summary") {
        Field("customer_id", \.customer.id)
        Field("external_id", \.customer.externalID)
        Field(
            "status",
            \.status,
            description: "none: no subscription with access (never subscribed, or awaiting a first payment); past_due: payment failed "
                + "and no grace period is open; in_grace: payment failed, an open grace period keeps access until grace_period.ends_at."
        )
        Field("subscription_id", \.subscription?.id)
        Field("subscription_status", \.subscription?.status)
        Field("plan", \.planKey, description: "The plan's key")
        Field("price", \.priceKey, description: "The price's key")
        Field("features", { $0.plan?.features ?? [] }, description: "The features the plan grants")
        Field("limits", { $0.plan?.limits ?? [:] }, description: "The plan's limits")
        Field(
            "entitlements_url",
            { "/v1/customers/\(PercentEncoding.escape($0.customer.externalID))/entitlements" },
            description: "Every feature and limit as checks answer them, with overrides"
        )
        Field("current_period_start", \.subscription?.currentPeriodStart)
        Field("current_period_end", \.subscription?.currentPeriodEnd)
        Field("cancel_at_period_end", { $0.subscription?.cancelAtPeriodEnd ?? false })
        Field("trial_end", \.subscription?.trialEnd)
        Field("grace_period", \.gracePeriod, summaryGrace.codec.nullable)
        Field("items", { $0.subscription?.items ?? [] }, subscriptionItem.codec.list, description: "The current subscription's items")
        Field("last_payment", \.lastPayment, summaryPayment.codec.nullable)
        Field(
            "latest_invoice",
            \.latestInvoice,
            summaryInvoice.codec.nullable,
            description: "The last paid invoice, whatever made it, with its lines (GET /v1/invoices/{id} for all of it)"
        )
    }

    static let summaryInvoice = Resource<Invoice>(nil) {
        Field("id", \.id)
        Field("number", \.number)
        Field("collection", \.collection)
        Field("provider_invoice_id", \.providerInvoiceID)
        Field("total", \.total)
        Field("amount_paid", \.amountPaid)
        Field("currency", \.currency)
        Field("paid_at", \.paidAt)
        Field("lines", \.lines, summaryInvoiceLine.codec.list)
    }

    static let summaryInvoiceLine = Resource<InvoiceLine>(nil) {
        Field("price_id", \.priceID)
        Field("description", \.description)
        Field("quantity", \.quantity)
        Field("amount", \.amount)
    }

    static let summaryGrace = Resource<GracePeriod>(nil) {
        Field("id", \.id)
        Field("reason", \.reason)
        Field("starts_at", \.startsAt)
        Field("ends_at", \.endsAt)
    }

    static let summaryPayment = Resource<BillingSummary.LastPayment>(nil) {
        Field("amount", \.amount.amount)
        Field("currency", \.amount.currency)
        Field("status", \.status)
        Field("created_at", \.at)
    }

    public static let app = Resource<App>("App", object: "app") { appFields }

    @FieldsBuilder<App>
    static var appFields: [Field<App>] {
        Field("id", \.id)
        Field("name", \.name)
        Field("mode", \.mode)
        Field(
            "grace_period_days",
            \.gracePeriodDays,
            Codec<Int>(.integer(maximum: (Int(GracePeriod.daysRule.range.upperBound), exclusive: false), minimum: (0, exclusive: false))) {
                value,
                writer in writer.value(value)
            }.nullable,
            description: "Grace period length when the plan names none; null: \(GracePeriod.defaultDays) days."
        )
        Field("created_at", \.createdAt)
    }

    /// An app's key at a moment (its state depends on the time), with its secret in the answer
    /// that made it.
    public struct KeyView: Sendable {
        public let key: APIKey
        public let now: Date
        public let secret: Secret<String>?

        public init(_ key: APIKey, now: Date, secret: Secret<String>? = nil) {
            self.key = key
            self.now = now
            self.secret = secret
        }
    }

    public static let apiKey = Resource<KeyView>("APIKey", object: "api_key") {
        Field("id", \.key.id)
        Field("app_id", \.key.appID)
        Field("kind", \.key.kind, description: "secret: every app route; publishable: only GET /v1/public/plans")
        Field("prefix", \.key.displayPrefix, description: "The first 12 characters, to tell keys apart")
        Field("state", { $0.key.state(at: $0.now) })
        Field("created_at", \.key.createdAt)
        Field("expires_at", \.key.expiresAt)
        Field("revoked_at", \.key.revokedAt)
        Field.omittedWhenNil("api_key", { $0.secret?.value }, description: "Only in the response that made the key")
    }

    /// A new app with its first key, as `POST /admin/v1/apps` answers.
    public struct CreatedApp: Sendable {
        public let app: App
        public let key: APIKey
        public let secret: Secret<String>
        public let publishable: APIKey
        public let publishableSecret: Secret<String>

        public init(app: App, key: APIKey, secret: Secret<String>, publishable: APIKey, publishableSecret: Secret<String>) {
            self.app = app
            self.key = key
            self.secret = secret
            self.publishable = publishable
            self.publishableSecret = publishableSecret
        }
    }

    public static let createdApp = Resource<CreatedApp>("CreatedApp", object: "app") {
        appFields.map { $0.from(\.app) }
        Field("api_key", \.secret.value, description: "Shown this once; stored only as a hash.")
        Field("api_key_id", \.key.id)
        Field(
            "publishable_key",
            \.publishableSecret.value,
            description: "pk_…: reads only GET /v1/public/plans, safe in a web page. Shown this once; stored only as a hash."
        )
        Field("publishable_key_id", \.publishable.id)
    }

    public static let auditEntry = Resource<AuditEntry>("AuditLog", object: "audit_log") {
        Field("id", \.id)
        Field("app_id", \.appID)
        Field(
            "sequence",
            \.seal?.sequence,
            description: "Position in the app's hash chain, from 1; null until the entry is sealed (within about a second of its change)"
        )
        Field("actor_id", \.actorID, description: "A key id, `admin`, `system`, or the app's X-Actor-Id")
        Field("key_id", \.keyID)
        Field("action_type", \.actionType, Codec<String>.string(allowedValues: AuditAction.allCases.map(\.rawValue)))
        Field("target_type", \.targetType, Codec<String>.string(allowedValues: ResourceType.allCases.map(\.rawValue)))
        Field("target_id", \.targetID)
        Field(
            "payload_snapshot",
            { JSONValue(json: $0.payloadSnapshot) },
            Codec<JSONValue>(.object) { value, writer in writer.value(value) },
            description: "The change's effect, secrets redacted"
        )
        Field("request_id", \.requestID)
        Field("created_at", \.createdAt)
        Field("previous_hash", \.seal?.previousHash, description: "The hash of the entry before it; null until sealed")
        Field("hash", \.seal?.hash, description: "SHA-256 over the entry, its sequence and previous_hash; null until sealed")
    }

    public static let provider = Resource<Providers.Directory.Status>("Provider", object: "provider") {
        Field("name", \.name)
        Field("configured", \.configured)
        Field("active", \.active, description: "Whether this provider serves the app's requests now")
        Field("account", \.account, description: "own, platform or sandbox")
        Field("capabilities", \.capabilities)
        Field("secret_key_last4", \.secretKeyLast4)
        Field("detail", \.detail, description: "Why this provider does not serve the app and how to configure it; null when it can")
    }

    public static let providers = Resource<[Providers.Directory.Status]>("ProviderList", object: "list") {
        Field("data", { $0 }, provider.codec.list)
    }

    public static let providerAccount = Resource<ProviderAccounts.View>("ProviderAccount", object: "provider_account") {
        Field("provider", \.provider)
        Field("secret_key_last4", \.secretKeyLast4)
        Field("webhook_secrets_last4", \.webhookSecretsLast4)
        Field("created_at", \.createdAt)
        Field("updated_at", \.updatedAt)
    }

    public static let testClock = Resource<TestClocks.Service.Advanced>("TestClock", object: "test_clock") {
        Field("now", \.now, description: "The app's time now")
        Field("offset_seconds", \.offsetSeconds, description: "How far the app's clock is ahead of real time")
        Field("subscriptions_updated", \.subscriptionsUpdated)
    }
}

extension JSONValue {
    /// The JSON text parsed, or the text itself when it is not JSON.
    init(json text: String) {
        self = (try? JSONReader.value(of: text)) ?? .string(text)
    }
}
