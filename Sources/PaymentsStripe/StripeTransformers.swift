import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// Stripe's wire types, as much of each object as the adapter reads, and their mapping to the
// domain's words. None of these leave this target.

/// A field Stripe sends as an id or, when expanded, as the object.
enum Expandable<Object: Decodable & Sendable>: Decodable, Sendable {
    case id(String)
    case object(Object)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let id = try? container.decode(String.self) {
            self = .id(id)
        } else {
            self = .object(try container.decode(Object.self))
        }
    }

    var object: Object? {
        if case .object(let object) = self { return object }
        return nil
    }
}

extension Expandable where Object == StripeID {
    /// The id, whether or not it was expanded.
    var id: String {
        switch self {
        case .id(let id): id
        case .object(let object): object.id
        }
    }
}

/// A boolean Stripe sends as JSON `true`/`false`; read leniently where an older dialect echoes a
/// form's `active=false` back as the string (localstripe keeps updated fields as sent).
@propertyWrapper
struct FormBool: Decodable, Sendable {
    var wrappedValue: Bool

    init(wrappedValue: Bool) { self.wrappedValue = wrappedValue }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            wrappedValue = value
        } else {
            wrappedValue = try container.decode(String.self) == "true"
        }
    }
}

struct StripeList<Element: Decodable & Sendable>: Decodable, Sendable {
    let data: [Element]
    let has_more: Bool
}

struct StripeID: Decodable, Sendable {
    let id: String
}

struct StripeProduct: Decodable, Sendable {
    let id: String
    let active: Bool?
    let name: String?
    let description: String?
    let metadata: [String: String]?
}

struct StripePlan: Decodable, Sendable {
    let id: String
    @FormBool var active: Bool
    let amount: Int64?
    let currency: String
    let interval: String
    let interval_count: Int
    let usage_type: String?
    let product: Expandable<StripeID>?
    let metadata: [String: String]?
}

struct StripePrice: Decodable, Sendable {
    struct Recurring: Decodable, Sendable {
        let interval: String
        let interval_count: Int
        let usage_type: String?
    }

    let id: String
    let active: Bool
    let currency: String
    let unit_amount: Int64?
    let type: String
    let recurring: Recurring?
    let lookup_key: String?
    let product: Expandable<StripeID>?
    let metadata: [String: String]?
}

struct StripeCharge: Decodable, Sendable {
    let id: String
    let amount_refunded: Int64
}

struct StripePaymentIntent: Decodable, Sendable {
    struct PaymentError: Decodable, Sendable {
        let code: String?
        let decline_code: String?
        let message: String?
    }

    let id: String
    let status: String
    let amount: Int64
    let currency: String
    let customer: Expandable<StripeID>?
    let description: String?
    let metadata: [String: String]?
    let last_payment_error: PaymentError?
    let latest_charge: Expandable<StripeCharge>?

    /// - Parameter failure: why it failed, when the caller knows better than the object.
    func domain(failure known: PaymentFailure? = nil) -> ProviderPayment {
        let status: Payment.Status =
            switch self.status {
            case "succeeded": .succeeded
            case "processing", "requires_capture": .processing
            case "requires_action": .requiresAction
            case "canceled": .canceled
            // After a failed attempt the intent waits for another payment method.
            case "requires_payment_method": last_payment_error != nil || known != nil ? .failed : .pending
            default: .pending
            }
        let failure =
            known
            ?? last_payment_error.map {
                PaymentFailure(code: $0.code ?? "payment_failed", declineCode: $0.decline_code, message: $0.message ?? "The payment failed.")
            }
        return ProviderPayment(
            id: id,
            status: status,
            amount: Money(amount, Currency(rawValue: currency) ?? .usd),
            amountRefunded: latest_charge?.object?.amount_refunded ?? 0,
            failure: status == .failed ? failure : nil,
            operationID: metadata?[ProviderMetadata.operationID]
        )
    }
}

struct StripeRefund: Decodable, Sendable {
    let id: String
    let amount: Int64
    let status: String?
    let metadata: [String: String]?

    var domain: ProviderRefund {
        let status: Refund.Status =
            switch self.status {
            case "succeeded": .succeeded
            case "failed": .failed
            case "canceled": .canceled
            default: .pending  // pending, requires_action
            }
        return ProviderRefund(id: id, amount: amount, status: status, operationID: metadata?[ProviderMetadata.operationID])
    }
}

struct StripeSubscription: Decodable, Sendable {
    struct Item: Decodable, Sendable {
        /// The item's price or (older API, localstripe) plan: enough to tell a metered one.
        struct ItemPrice: Decodable, Sendable {
            struct Recurring: Decodable, Sendable {
                let usage_type: String?
            }

            let id: String
            let recurring: Recurring?
            let usage_type: String?

            var metered: Bool { (recurring?.usage_type ?? usage_type) == "metered" }
        }

        let id: String
        let price: ItemPrice?
        let plan: ItemPrice?
        let quantity: Int?
        let current_period_start: Int64?
        let current_period_end: Int64?

        var domain: ProviderSubscriptionItem? {
            guard let price = price ?? plan else { return nil }
            return ProviderSubscriptionItem(id: id, price: price.id, quantity: price.metered ? nil : quantity ?? 1)
        }
    }

    let id: String
    let status: String
    let customer: Expandable<StripeID>?
    let metadata: [String: String]?
    let cancel_at_period_end: Bool?
    let canceled_at: Int64?
    let ended_at: Int64?
    let trial_end: Int64?
    let items: StripeList<Item>
    /// Before API 2025-03-31 the period was on the subscription; now it is on its items.
    let current_period_start: Int64?
    let current_period_end: Int64?

    var domain: ProviderSubscription {
        let item = items.data.first
        func date(_ seconds: Int64?) -> Date? { seconds.map { Date(timeIntervalSince1970: Double($0)) } }
        return ProviderSubscription(
            id: id,
            status: Subscription.Status(rawValue: status) ?? .incomplete,
            items: items.data.compactMap(\.domain),
            currentPeriodStart: date(item?.current_period_start ?? current_period_start),
            currentPeriodEnd: date(item?.current_period_end ?? current_period_end),
            trialEnd: date(trial_end),
            cancelAtPeriodEnd: cancel_at_period_end ?? false,
            canceledAt: date(canceled_at),
            endedAt: date(ended_at),
            ourID: metadata?[ProviderMetadata.objectID]
        )
    }
}

struct StripeCheckoutSession: Decodable, Sendable {
    let id: String
    let url: String?
    let status: String?
    let expires_at: Int64?
    let subscription: Expandable<StripeID>?
    let payment_intent: Expandable<StripeID>?

    var domain: ProviderCheckoutSession {
        let status: CheckoutSession.Status =
            switch self.status {
            case "complete": .complete
            case "expired": .expired
            default: .open
            }
        func reference(_ field: Expandable<StripeID>?) -> String? { field?.id }
        return ProviderCheckoutSession(
            id: id,
            url: url,
            status: status,
            expiresAt: expires_at.map { Date(timeIntervalSince1970: Double($0)) },
            subscription: reference(subscription),
            payment: reference(payment_intent)
        )
    }
}

struct StripePortalSession: Decodable, Sendable {
    let id: String
    let url: String
}

/// An invoice: what the webhook processor reads from `invoice.*` events.
struct StripeInvoice: Decodable, Sendable {
    struct Parent: Decodable, Sendable {
        struct SubscriptionDetails: Decodable, Sendable {
            let subscription: Expandable<StripeID>?
        }

        let subscription_details: SubscriptionDetails?
    }

    /// The payments that paid it (`expand[]=payments`): each names its payment intent.
    struct Payments: Decodable, Sendable {
        struct Entry: Decodable, Sendable {
            struct Payment: Decodable, Sendable {
                let payment_intent: Expandable<StripeID>?
            }
            let payment: Payment?
            let status: String?
        }
        let data: [Entry]
    }

    let id: String
    let status: String?
    let currency: String
    let amount_due: Int64
    let amount_paid: Int64
    let total: Int64?
    let hosted_invoice_url: String?
    let invoice_pdf: String?
    let payments: Payments?
    let customer: Expandable<StripeID>?
    /// Where the subscription is named since API 2025-03-31 (before: a top-level `subscription`).
    let parent: Parent?
    let subscription: Expandable<StripeID>?
    let period_start: Int64?
    let period_end: Int64?
    let lines: StripeList<InvoiceLine>?

    /// A subscription's invoice in the domain's words, as its events carry it.
    var subscriptionInvoice: ProviderSubscriptionInvoice? {
        guard let subscription = subscriptionID, let invoice = domain else { return nil }
        return ProviderSubscriptionInvoice(invoice: invoice, subscription: subscription)
    }

    /// The invoice in the domain's words; nil in a currency or status the service does not know.
    var domain: ProviderInvoice? {
        guard let currency = Currency(rawValue: currency), let status = status.flatMap(ProviderInvoice.Status.init(rawValue:)) else { return nil }
        return ProviderInvoice(
            id: id,
            status: status,
            total: total ?? amount_due,
            amountPaid: Money(amount_paid, currency),
            periodStart: period_start.map { Date(timeIntervalSince1970: Double($0)) },
            periodEnd: period_end.map { Date(timeIntervalSince1970: Double($0)) },
            lines: lines?.data.map(\.domain) ?? [],
            hostedURL: hosted_invoice_url,
            pdfURL: invoice_pdf
        )
    }

    var subscriptionID: String? { (parent?.subscription_details?.subscription ?? subscription)?.id }
}

/// An invoice's line as events carry it. The price is `pricing.price_details.price` since API
/// 2025-03-31, `price` or `plan` before (localstripe).
struct InvoiceLine: Decodable, Sendable {
    struct Pricing: Decodable, Sendable {
        struct PriceDetails: Decodable, Sendable {
            let price: String?
        }
        let price_details: PriceDetails?
    }

    struct Period: Decodable, Sendable {
        let start: Int64?
        let end: Int64?
    }

    let amount: Int64
    let quantity: Int64?
    let description: String?
    let period: Period?
    let pricing: Pricing?
    let price: StripeID?
    let plan: StripeID?

    var domain: ProviderInvoiceLine {
        ProviderInvoiceLine(
            price: pricing?.price_details?.price ?? price?.id ?? plan?.id,
            description: description,
            quantity: quantity ?? 0,
            amount: amount,
            periodStart: period?.start.map { Date(timeIntervalSince1970: Double($0)) },
            periodEnd: period?.end.map { Date(timeIntervalSince1970: Double($0)) }
        )
    }
}

/// An event as Stripe sends it to a webhook: the object stays raw until its type is known.
struct StripeEvent: Decodable, Sendable {
    struct Payload: Decodable, Sendable {
        let object: RawObject
    }

    /// The event's object: its `id` and `object` kind, decoded further by type.
    struct RawObject: Decodable, Sendable {
        let id: String?
        let object: String
    }

    let id: String
    let type: String
    let created: Int64
    let api_version: String?
    let data: Payload
}

struct StripeMeter: Decodable, Sendable {
    let id: String
    let event_name: String
}

/// A meter event as Stripe acknowledges it (it has no id; `identifier` is its key).
struct StripeMeterEvent: Decodable, Sendable {
    let identifier: String
    let event_name: String
}

/// A metered price's amounts as a Stripe plan states them. Stripe has no "included quantity":
/// it becomes a free first tier, and graduated tiers move up by it. Volume tiers price every
/// unit at one rate, so a free allowance cannot be expressed with them.
struct StripeTiers: Equatable {
    struct Tier: Equatable {
        let upTo: Int64?
        let unitAmount: Int64
        let flatAmount: Int64
    }

    /// A per-unit price (no tiers).
    let amount: Int64?
    let mode: String?
    let tiers: [Tier]

    init(_ metered: Metered) throws(ProviderError) {
        let included = metered.includedQuantity
        switch (metered.unitAmount, metered.tiers) {
        case (let unit?, _) where included == 0:
            (amount, mode, tiers) = (unit, nil, [])
        case (let unit?, _):
            (amount, mode, tiers) = (
                nil, "graduated", [Tier(upTo: included, unitAmount: 0, flatAmount: 0), Tier(upTo: nil, unitAmount: unit, flatAmount: 0)]
            )
        case (nil, let tiered?) where included == 0:
            (amount, mode) = (nil, tiered.mode.rawValue)
            tiers = tiered.tiers.map { Tier(upTo: $0.upTo, unitAmount: $0.unitAmount, flatAmount: $0.flatAmount) }
        case (nil, let tiered?) where tiered.mode == .graduated:
            (amount, mode) = (nil, "graduated")
            tiers =
                [Tier(upTo: included, unitAmount: 0, flatAmount: 0)]
                + tiered.tiers.map { Tier(upTo: $0.upTo.map { $0 + included }, unitAmount: $0.unitAmount, flatAmount: $0.flatAmount) }
        case (nil, _?):
            throw .invalidRequest(
                "Volume tiers with an included quantity have no Stripe equivalent; use graduated tiers or link a Stripe price with provider_price_id."
            )
        case (nil, nil):
            throw .invalidRequest("A metered price needs a unit amount or tiers.")
        }
    }

    func add(to form: inout FormBody) {
        if let amount {
            form.add("amount", amount)
            return
        }
        form.add("billing_scheme", "tiered")
        form.add("tiers_mode", mode)
        for (index, tier) in tiers.enumerated() {
            form.add("tiers[\(index)][up_to]", tier.upTo.map(String.init) ?? "inf")
            form.add("tiers[\(index)][unit_amount]", tier.unitAmount)
            if tier.flatAmount > 0 { form.add("tiers[\(index)][flat_amount]", tier.flatAmount) }
        }
    }
}
