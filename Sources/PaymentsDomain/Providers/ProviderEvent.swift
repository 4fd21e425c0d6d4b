#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An event a provider sent (a Stripe webhook, or the sandbox's own), stored raw before it is
/// processed, exactly once per provider, account and event id.
public struct ProviderEvent: Sendable, Equatable, Identified {
    public static let idPrefix = "pev"
    public static let resourceType = ResourceType.providerEvent
    public typealias ID = TypedID<ProviderEvent>

    public enum Status: String, Sendable, Codable, CaseIterable {
        case pending, processing, succeeded, failed
        /// Stored and acknowledged, but of a type (or for an object) the service does not act on.
        case ignored
    }

    public let id: ID
    /// Set when the event is routed to an app: at once for an app's own account, from the
    /// object's metadata for the platform account.
    public var appID: App.ID?
    public let provider: ProviderName
    /// `platform`, `sandbox`, or the app id whose own account sent it.
    public let account: String
    public let providerEventID: String
    public let type: String
    /// When the provider says the event happened.
    public let createdAt: Date
    public let receivedAt: Date
    /// The body exactly as received.
    public let payload: String
    public var status: Status
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var processedAt: Date?

    public init(
        id: ID,
        appID: App.ID?,
        provider: ProviderName,
        account: String,
        providerEventID: String,
        type: String,
        createdAt: Date,
        receivedAt: Date,
        payload: String,
        status: Status,
        attempts: Int,
        nextAttemptAt: Date,
        lastError: String?,
        processedAt: Date?
    ) {
        self.id = id
        self.appID = appID
        self.provider = provider
        self.account = account
        self.providerEventID = providerEventID
        self.type = type
        self.createdAt = createdAt
        self.receivedAt = receivedAt
        self.payload = payload
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.processedAt = processedAt
    }

    /// The wait before attempt `attempt + 1` after a failure: 10 s doubling, capped at 1 h.
    public static func backoff(afterAttempt attempt: Int) -> Duration {
        .seconds(min(3600, 10 << min(attempt - 1, 12)))
    }

    /// Attempts before an event is left `failed` for a person (or `payments events reprocess`).
    public static let maximumAttempts = 12
}

/// What the service needs to know of a provider event, read by the provider's own interpreter:
/// its id, type and time, the app it belongs to (from metadata the service put on the object),
/// and what it says happened, in the domain's words. Processing then reads the object's current
/// state from the provider, so the order events arrive in does not matter.
public struct ProviderEventFacts: Sendable, Equatable {
    public let id: String
    /// The provider's own name for the event: kept for people (logs, the inbox), never acted on.
    public let type: String
    public let createdAt: Date
    public let appID: App.ID?
    /// Whether the provider says the event is of live (real-money) mode; nil when it does not say.
    /// An event whose mode differs from its app's is refused, never applied.
    public let livemode: Bool?
    public let fact: ProviderFact

    public init(id: String, type: String, createdAt: Date, appID: App.ID?, livemode: Bool?, fact: ProviderFact) {
        self.id = id
        self.type = type
        self.createdAt = createdAt
        self.appID = appID
        self.livemode = livemode
        self.fact = fact
    }
}

/// What a provider event says happened, in the domain's words. Each adapter maps its own event
/// names onto these facts; the services never see a provider's name for an event, so another
/// provider is one more mapping, not one more pretence of being Stripe.
public enum ProviderFact: Sendable, Equatable {
    /// A subscription was made or changed in any way: status, plan, quantity, period, cancellation.
    case subscriptionChanged(subscription: String)
    /// The provider's notice that a subscription's trial ends soon.
    case trialEnding(subscription: String)
    /// An invoice was paid. It carries what was paid when the event says (a paid invoice does not
    /// change again, so the event's copy is the truth).
    case invoicePaid(ProviderInvoice?, subscription: String?)
    /// Collecting an invoice failed (the invoice as it stands, when the event says).
    case invoicePaymentFailed(ProviderInvoice?, subscription: String?)
    /// Anything else about an invoice: made, finalized, voided, written off.
    case invoiceChanged(ProviderInvoice?, subscription: String?)
    case paymentSucceeded(payment: String)
    case paymentFailed(payment: String)
    /// A payment was refunded, in whole or in part.
    case paymentRefunded(payment: String)
    /// Anything else about a payment: made, processing, canceled.
    case paymentChanged(payment: String)
    /// An invoice the provider collects for one of ours changed: paid, voided, written off.
    case collectedInvoiceChanged(invoice: String)
    /// Collecting such an invoice failed (the buyer's card was declined).
    case collectedInvoicePaymentFailed(invoice: String)
    case checkoutCompleted(session: String)
    /// Anything else about a checkout session (it expired).
    case checkoutChanged(session: String)
    /// Nothing the service acts on.
    case unhandled

    /// The subscription an invoice fact is about: how a platform invoice without metadata is routed.
    /// The invoice an invoice fact carries.
    public var invoice: ProviderInvoice? {
        switch self {
        case .invoicePaid(let invoice, _), .invoicePaymentFailed(let invoice, _), .invoiceChanged(let invoice, _): invoice
        default: nil
        }
    }

    public var invoicedSubscription: String? {
        switch self {
        case .invoicePaid(_, let subscription), .invoicePaymentFailed(_, let subscription), .invoiceChanged(_, let subscription):
            subscription
        default:
            nil
        }
    }
}

/// A subscription's invoice as a provider event carries it.
public struct ProviderInvoice: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable {
        case draft, open, paid, void, uncollectible
    }

    public let id: String
    public let status: Status
    /// What it comes to, after discounts and tax, in minor units of `amountPaid`'s currency.
    public let total: Int64
    public let amountPaid: Money
    public let periodStart: Date?
    public let periodEnd: Date?
    /// What it charged: the base price for the period ahead and metered usage for the one past.
    public let lines: [ProviderInvoiceLine]
    /// The provider's page and PDF for it, where it makes them.
    public let hostedURL: String?
    public let pdfURL: String?

    public init(
        id: String,
        status: Status,
        total: Int64,
        amountPaid: Money,
        periodStart: Date?,
        periodEnd: Date?,
        lines: [ProviderInvoiceLine] = [],
        hostedURL: String? = nil,
        pdfURL: String? = nil
    ) {
        self.id = id
        self.status = status
        self.total = total
        self.amountPaid = amountPaid
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.lines = lines
        self.hostedURL = hostedURL
        self.pdfURL = pdfURL
    }
}

/// One line of a provider's invoice, in minor units of the invoice's currency.
public struct ProviderInvoiceLine: Sendable, Equatable, Codable {
    /// The provider's price id, where the line bills a price.
    public let price: String?
    public let description: String?
    public let quantity: Int64
    public let amount: Int64
    public let periodStart: Date?
    public let periodEnd: Date?

    public init(price: String?, description: String?, quantity: Int64, amount: Int64, periodStart: Date?, periodEnd: Date?) {
        self.price = price
        self.description = description
        self.quantity = quantity
        self.amount = amount
        self.periodStart = periodStart
        self.periodEnd = periodEnd
    }
}

/// Reads a provider's raw event (static: it runs before the app is known).
public typealias ProviderEventInterpreter = @Sendable ([UInt8]) throws(ProviderError) -> ProviderEventFacts

/// What receipt needs of a raw event to store it: its id, type and time.
public struct ProviderEventHeader: Sendable, Equatable {
    public let id: String
    public let type: String
    public let createdAt: Date

    public init(id: String, type: String, createdAt: Date) {
        self.id = id
        self.type = type
        self.createdAt = createdAt
    }
}

/// How a provider's webhooks are read: the signature check and the interpreter.
public struct ProviderWebhooks: Sendable {
    /// Throws, with a message for people, when the payload was not signed by one of `secrets`.
    public let verify: Verifier
    /// Reads only the event's id, type and time: all that receipt stores besides the raw bytes.
    /// The object is read when the event is processed, so an object this service cannot read is
    /// still acknowledged (and its failure shows in the inbox) rather than refused.
    public let identify: Identifier
    public let interpret: ProviderEventInterpreter

    public typealias Identifier = @Sendable ([UInt8]) throws(ProviderError) -> ProviderEventHeader
    public typealias Verifier = @Sendable (_ payload: [UInt8], _ header: String?, _ secrets: [Secret<String>], _ now: Date) throws -> Void

    public init(verify: @escaping Verifier, identify: @escaping Identifier, interpret: @escaping ProviderEventInterpreter) {
        self.verify = verify
        self.identify = identify
        self.interpret = interpret
    }

    /// For a provider whose events are cheap to read whole: receipt uses the interpreter.
    public init(verify: @escaping Verifier, interpret: @escaping ProviderEventInterpreter) {
        self.init(
            verify: verify,
            identify: { payload throws(ProviderError) in
                let facts = try interpret(payload)
                return ProviderEventHeader(id: facts.id, type: facts.type, createdAt: facts.createdAt)
            },
            interpret: interpret
        )
    }
}
