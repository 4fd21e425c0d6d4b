#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An account's customers, page by page: what an import reads first.
public protocol CustomerDirectory: PaymentProvider {
    /// Up to `limit` customers after `after` (a provider id), oldest cursor first as the
    /// provider lists them; `more` when another page follows.
    func listCustomers(after: String?, limit: Int) async throws(ProviderError) -> (customers: [ProviderCustomerRecord], more: Bool)
}

/// Everything else an import reads from a provider account, page by page, whoever made it:
/// the catalog, subscriptions, payments with their refunds, invoices. Each page holds up to
/// `limit` objects after the one whose id is `after`, as the provider lists them.
public protocol AccountDirectory: CustomerDirectory {
    func productsPage(after: String?, limit: Int) async throws(ProviderError) -> ProviderPage<ProviderProductRecord>
    func pricesPage(after: String?, limit: Int) async throws(ProviderError) -> ProviderPage<ProviderPriceRecord>
    /// Every subscription, whatever its status.
    func subscriptionsPage(after: String?, limit: Int) async throws(ProviderError) -> ProviderPage<ProviderAccountObject<ProviderSubscription>>
    /// Every payment, each with its refunds.
    func paymentsPage(after: String?, limit: Int) async throws(ProviderError) -> ProviderPage<ProviderAccountObject<ProviderPaymentRecord>>
    /// Every invoice, a subscription's or not.
    func invoicesPage(after: String?, limit: Int) async throws(ProviderError) -> ProviderPage<ProviderAccountObject<ProviderInvoice>>
}

/// One page of a provider's list.
public struct ProviderPage<Object: Sendable>: Sendable {
    public let objects: [Object]
    /// The id to continue after (the last object's), nil on an empty page.
    public let last: String?
    public let more: Bool

    public init(objects: [Object], last: String?, more: Bool) {
        self.objects = objects
        self.last = last
        self.more = more
    }
}

/// An object of a provider account with whom it belongs to there.
public struct ProviderAccountObject<Object: Sendable & Equatable>: Sendable, Equatable {
    public let object: Object
    /// The provider's customer id, nil for an object of no customer.
    public let customer: String?
    /// For an invoice, the subscription it bills.
    public let subscription: String?

    public init(_ object: Object, customer: String?, subscription: String? = nil) {
        self.object = object
        self.customer = customer
        self.subscription = subscription
    }
}

/// A customer as its provider holds it.
public struct ProviderCustomerRecord: Sendable, Equatable {
    public let id: String
    public let name: String?
    public let email: String?
    public let metadata: [String: String]

    public init(id: String, name: String?, email: String?, metadata: [String: String]) {
        self.id = id
        self.name = name
        self.email = email
        self.metadata = metadata
    }
}

/// A product of a provider's catalog: a plan of ours.
public struct ProviderProductRecord: Sendable, Equatable {
    public let id: String
    public let name: String
    public let description: String?
    public let active: Bool
    public let metadata: [String: String]

    public init(id: String, name: String, description: String?, active: Bool, metadata: [String: String]) {
        self.id = id
        self.name = name
        self.description = description
        self.active = active
        self.metadata = metadata
    }
}

/// A price of a provider's catalog, as its terms are stated there.
public struct ProviderPriceRecord: Sendable, Equatable {
    public let id: String
    public let product: String
    public let active: Bool
    public let currency: String
    /// Nil for a tiered or custom-amount price.
    public let unitAmount: Int64?
    /// `month`, `year` (or `day`, `week`); nil for a one-time price.
    public let interval: String?
    public let intervalCount: Int?
    /// `licensed` or `metered`, for a recurring price.
    public let usageType: String?
    public let lookupKey: String?
    public let metadata: [String: String]

    public init(
        id: String,
        product: String,
        active: Bool,
        currency: String,
        unitAmount: Int64?,
        interval: String?,
        intervalCount: Int?,
        usageType: String?,
        lookupKey: String?,
        metadata: [String: String]
    ) {
        self.id = id
        self.product = product
        self.active = active
        self.currency = currency
        self.unitAmount = unitAmount
        self.interval = interval
        self.intervalCount = intervalCount
        self.usageType = usageType
        self.lookupKey = lookupKey
        self.metadata = metadata
    }

    /// The price in the catalog's terms, or why it has none there.
    public var terms: Result<Price.Terms, PaymentsError> {
        guard let currency = Currency(rawValue: currency) else {
            return .failure(.invalid("currency", "Currency '\(currency)' is not one the service bills in."))
        }
        guard let amount = unitAmount else {
            return .failure(
                .invalid("unit_amount", "A tiered or customer-chosen price has no unit amount: add it to the catalog by hand and link it.")
            )
        }
        guard let interval else { return .success(.oneTime(Money(amount, currency))) }
        guard usageType != "metered" else {
            return .failure(
                .invalid("usage_type", "A metered price needs a usage metric of ours: add it to the catalog by hand (with its metric) and link it.")
            )
        }
        guard let unit = BillingInterval.Unit(rawValue: interval), let count = intervalCount, BillingInterval.countRule.range.contains(Int64(count))
        else {
            return .failure(.invalid("interval", "The catalog bills every 1–12 months or years, not every \(intervalCount ?? 1) \(interval)."))
        }
        return .success(.recurring(Money(amount, currency), BillingInterval(unit, count: count)))
    }
}

/// A payment at the provider with what an import keeps of it.
public struct ProviderPaymentRecord: Sendable, Equatable {
    public let payment: ProviderPayment
    public let description: String?
    public let metadata: [String: String]
    public let refunds: [ProviderRefund]

    public init(payment: ProviderPayment, description: String?, metadata: [String: String], refunds: [ProviderRefund]) {
        self.payment = payment
        self.description = description
        self.metadata = metadata
        self.refunds = refunds
    }
}
