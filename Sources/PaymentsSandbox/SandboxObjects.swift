import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The sandbox's test payment methods, as Stripe's `pm_card_*` test ids work.
enum TestPaymentMethod: String {
    /// Always succeeds.
    case visa = "pm_sandbox_visa"
    /// Always declined (`generic_decline`).
    case declined = "pm_sandbox_declined"
    /// Attaches and pays the first charge, then every later (renewal) charge is declined.
    case failsLater = "pm_sandbox_fails_later"

    static func parse(_ raw: String, param: String = "payment_method") throws(ProviderError) -> TestPaymentMethod {
        guard let method = TestPaymentMethod(rawValue: raw) else {
            throw .invalidRequest(
                "No such payment method: '\(raw)'. The sandbox accepts pm_sandbox_visa, pm_sandbox_declined and pm_sandbox_fails_later.",
                providerCode: "resource_missing",
                param: param
            )
        }
        return method
    }

    /// The failure a charge meets, if any.
    func charge(renewal: Bool) -> PaymentFailure? {
        switch (self, renewal) {
        case (.visa, _), (.failsLater, false): nil
        case (.declined, _), (.failsLater, true):
            PaymentFailure(code: "card_declined", declineCode: "generic_decline", message: "Your card was declined.")
        }
    }
}

struct SBCustomer: Codable {
    let id: String
    let metadata: [String: String]
    var defaultPaymentMethod: String?
}

struct SBPrice: Codable {
    let id: String
    let ourPriceID: String
    let type: String
    let amount: Int64?
    let currency: Currency
    let interval: BillingInterval?
    var active: Bool
    /// A metered price's terms: how the renewal prices the usage reported to it.
    var metered: Metered? = nil
}

/// One price a sandbox subscription bills; `quantity` nil for a metered one.
struct SBItem: Codable, Equatable {
    let id: String
    var price: String
    var quantity: Int?
}

/// A checkout session's line: a price and its quantity (none for a metered price).
struct SBLineItem: Codable {
    let price: String
    let quantity: Int?

    init(_ item: ProviderItemRequest) {
        price = item.price
        quantity = item.quantity
    }

    var request: ProviderItemRequest { ProviderItemRequest(price: price, quantity: quantity) }
}

/// Usage reported to the sandbox, as a Stripe meter event: counted once per identifier.
struct SBMeterEvent: Codable {
    let identifier: String
    let customer: String
    let metric: String
    let value: Int64
    let timestamp: Date
}

struct SBSubscription: Codable {
    let id: String
    let customer: String
    /// The base item's price and quantity (what a subscription made before items held).
    var price: String
    var quantity: Int
    var items: [SBItem]? = nil
    var status: Subscription.Status
    var periodStart: Date
    var periodEnd: Date
    var trialEnd: Date?
    var trialEndNotified: Bool
    var cancelAtPeriodEnd: Bool
    var canceledAt: Date?
    var endedAt: Date?
    var paymentMethod: String?
    let operationID: String?
    let ourID: String?
    let createdAt: Date

    /// Its items (one, the base price, for a subscription made before items held).
    var allItems: [SBItem] { items ?? [SBItem(id: "\(id)_base", price: price, quantity: quantity)] }

    var domain: ProviderSubscription {
        ProviderSubscription(
            id: id,
            status: status,
            items: allItems.map { ProviderSubscriptionItem(id: $0.id, price: $0.price, quantity: $0.quantity) },
            currentPeriodStart: periodStart,
            currentPeriodEnd: periodEnd,
            trialEnd: trialEnd,
            cancelAtPeriodEnd: cancelAtPeriodEnd,
            canceledAt: canceledAt,
            endedAt: endedAt,
            ourID: ourID
        )
    }
}

struct SBPayment: Codable {
    let id: String
    let customer: String
    let amount: Int64
    let currency: Currency
    var status: Payment.Status
    var amountRefunded: Int64
    var failure: PaymentFailure?
    let paymentMethod: String
    let operationID: String?
    let ourID: String?
    /// Set for a subscription's charges (its invoices).
    let subscription: String?
    let createdAt: Date
    /// A subscription charge's invoice: its lines and the period it bills (kept since drift
    /// reconciliation reads invoices back; nil on older rows).
    var invoiceLines: [ProviderInvoiceLine]? = nil
    var periodStart: Date? = nil
    var periodEnd: Date? = nil

    /// A subscription charge as its invoice (`sbin_` + the charge's id), as its event says it.
    var invoice: ProviderInvoice? {
        guard subscription != nil else { return nil }
        let lines = invoiceLines ?? []
        return ProviderInvoice(
            id: "sbin_\(id)",
            status: status == .succeeded ? .paid : .open,
            total: lines.isEmpty ? amount : lines.reduce(0) { $0 + $1.amount },
            amountPaid: Money(status == .succeeded ? amount : 0, currency),
            periodStart: periodStart,
            periodEnd: periodEnd,
            lines: lines
        )
    }

    var domain: ProviderPayment {
        ProviderPayment(
            id: id,
            status: status,
            amount: Money(amount, currency),
            amountRefunded: amountRefunded,
            failure: failure,
            operationID: operationID
        )
    }
}

struct SBRefund: Codable {
    let id: String
    let payment: String
    let amount: Int64
    var status: Refund.Status
    let operationID: String?

    var domain: ProviderRefund { ProviderRefund(id: id, amount: amount, status: status, operationID: operationID) }
}

struct SBCheckout: Codable {
    let id: String
    let mode: CheckoutSession.Mode
    let customer: String
    /// The first item's price and quantity (all a session held before items).
    let price: String
    let quantity: Int
    var items: [SBLineItem]? = nil
    let trialPeriodDays: Int?
    let successURL: String
    let cancelURL: String?
    var status: CheckoutSession.Status
    let expiresAt: Date
    var subscription: String?
    var payment: String?
    let url: String

    var domain: ProviderCheckoutSession {
        ProviderCheckoutSession(
            id: id,
            url: status == .open ? url : nil,
            status: status,
            expiresAt: expiresAt,
            subscription: subscription,
            payment: payment
        )
    }
}

struct SBPortal: Codable {
    let id: String
    let customer: String
    let returnURL: String?
}

/// What the sandbox's hosted portal page shows.
public struct SandboxPortalView: Sendable {
    public struct Line: Sendable {
        public let id: String
        public let status: String
        public let periodEnd: Date
        public let cancelAtPeriodEnd: Bool
    }

    public let returnURL: String?
    public let subscriptions: [Line]
}
