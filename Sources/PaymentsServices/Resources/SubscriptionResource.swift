import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A subscription as the API shows it and events carry it.
public struct SubscriptionResource: Encodable, Sendable {
    public let id: String
    public let object = "subscription"
    public let customer_id: String
    public let plan_id: String
    public let price_id: String
    public let quantity: Int
    public let status: String
    public let provider: String
    @Nullable public var provider_subscription_id: String?
    @Nullable public var current_period_start: Date?
    @Nullable public var current_period_end: Date?
    @Nullable public var trial_end: Date?
    public let cancel_at_period_end: Bool
    @Nullable public var canceled_at: Date?
    @Nullable public var ended_at: Date?
    public let created_at: Date
    public let updated_at: Date

    public init(_ s: Subscription) {
        id = s.id.rawValue
        customer_id = s.customerID.rawValue
        plan_id = s.planID.rawValue
        price_id = s.priceID.rawValue
        quantity = s.quantity
        status = s.status.rawValue
        provider = s.provider.rawValue
        provider_subscription_id = s.providerSubscriptionID
        current_period_start = s.currentPeriodStart
        current_period_end = s.currentPeriodEnd
        trial_end = s.trialEnd
        cancel_at_period_end = s.cancelAtPeriodEnd
        canceled_at = s.canceledAt
        ended_at = s.endedAt
        created_at = s.createdAt
        updated_at = s.updatedAt
    }
}
