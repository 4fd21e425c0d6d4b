#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A customer's subscription to one price of a plan, mirrored from its provider.
public struct Subscription: Sendable, Equatable, Identified {
    public static let idPrefix = "sub"
    public static let resourceType = ResourceType.subscription
    public typealias ID = TypedID<Subscription>

    /// Mirrors the provider's statuses (Stripe's names).
    public enum Status: String, Sendable, Codable, CaseIterable {
        case trialing, active
        case pastDue = "past_due"
        case unpaid, canceled, incomplete
        case incompleteExpired = "incomplete_expired"
        case paused
    }

    public let id: ID
    public let appID: App.ID
    public let customerID: Customer.ID
    /// The customer's external id: the id the app holds for it (`org_42`).
    public let customerExternalID: String
    public var planID: Plan.ID
    public var priceID: Price.ID
    public var quantity: Int
    public var status: Status
    public let provider: ProviderName
    public var providerSubscriptionID: String?
    public var currentPeriodStart: Date?
    public var currentPeriodEnd: Date?
    public var trialEnd: Date?
    public var cancelAtPeriodEnd: Bool
    public var canceledAt: Date?
    public var endedAt: Date?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: ID,
        appID: App.ID,
        customerID: Customer.ID,
        customerExternalID: String,
        planID: Plan.ID,
        priceID: Price.ID,
        quantity: Int,
        status: Status,
        provider: ProviderName,
        providerSubscriptionID: String?,
        currentPeriodStart: Date?,
        currentPeriodEnd: Date?,
        trialEnd: Date?,
        cancelAtPeriodEnd: Bool,
        canceledAt: Date?,
        endedAt: Date?,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.appID = appID
        self.customerID = customerID
        self.customerExternalID = customerExternalID
        self.planID = planID
        self.priceID = priceID
        self.quantity = quantity
        self.status = status
        self.provider = provider
        self.providerSubscriptionID = providerSubscriptionID
        self.currentPeriodStart = currentPeriodStart
        self.currentPeriodEnd = currentPeriodEnd
        self.trialEnd = trialEnd
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.canceledAt = canceledAt
        self.endedAt = endedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Whether the subscription still runs (it may be cancelled, updated or renewed).
    public var isLive: Bool { ![.canceled, .incompleteExpired].contains(status) }

    /// Copies the provider's view of the subscription onto this mirror.
    public mutating func mirror(_ remote: ProviderSubscription, at time: Date) {
        providerSubscriptionID = remote.id
        status = remote.status
        quantity = remote.quantity
        currentPeriodStart = remote.currentPeriodStart
        currentPeriodEnd = remote.currentPeriodEnd
        trialEnd = remote.trialEnd
        cancelAtPeriodEnd = remote.cancelAtPeriodEnd
        canceledAt = remote.canceledAt
        endedAt = remote.endedAt
        updatedAt = time
    }

    /// Trial length: 0–730 days, as Stripe allows.
    public static let trialDaysRule = IntegerRule(0...730)
    public static let quantityRule = IntegerRule(1...10_000)

    public static func validate(trialPeriodDays: Int, param: String = "trial_period_days") throws(PaymentsError) {
        try trialDaysRule.check(Int64(trialPeriodDays), param: param)
    }

    public static func validate(quantity: Int, param: String = "quantity") throws(PaymentsError) {
        try quantityRule.check(Int64(quantity), param: param)
    }
}

/// How a plan change is charged, as Stripe names it.
public enum ProrationBehavior: String, Sendable, Codable, CaseIterable {
    case createProrations = "create_prorations"
    case none
    case alwaysInvoice = "always_invoice"
}
