import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A checkout session as the API shows it and events carry it.
public struct CheckoutSessionResource: Encodable, Sendable {
    public let id: String
    public let object = "checkout_session"
    public let customer_id: String
    public let mode: String
    public let plan_id: String
    public let price_id: String
    public let quantity: Int
    @Nullable public var trial_period_days: Int?
    public let status: String
    /// Where to send the buyer; null once the session is no longer open.
    @Nullable public var url: String?
    @Nullable public var expires_at: Date?
    public let success_url: String
    @Nullable public var cancel_url: String?
    public let metadata: [String: String]
    public let provider: String
    @Nullable public var provider_session_id: String?
    @Nullable public var subscription_id: String?
    @Nullable public var payment_id: String?
    public let created_at: Date

    public init(_ s: CheckoutSession) {
        id = s.id.rawValue
        customer_id = s.customerID.rawValue
        mode = s.mode.rawValue
        plan_id = s.planID.rawValue
        price_id = s.priceID.rawValue
        quantity = s.quantity
        trial_period_days = s.trialPeriodDays
        status = s.status.rawValue
        url = s.status == .open ? s.url : nil
        expires_at = s.expiresAt
        success_url = s.successURL
        cancel_url = s.cancelURL
        metadata = s.metadata
        provider = s.provider.rawValue
        provider_session_id = s.providerSessionID
        subscription_id = s.subscriptionID?.rawValue
        payment_id = s.paymentID?.rawValue
        created_at = s.createdAt
    }
}
