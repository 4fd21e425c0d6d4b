import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A refund as the API shows it.
public struct RefundResource: Encodable, Sendable {
    public let id: String
    public let object = "refund"
    public let payment_id: String
    public let amount: Int64
    public let currency: String
    @Nullable public var reason: String?
    public let status: String
    @Nullable public var provider_refund_id: String?
    public let created_at: Date
    public let updated_at: Date

    public init(_ refund: Refund) {
        id = refund.id.rawValue
        payment_id = refund.paymentID.rawValue
        amount = refund.amount.amount
        currency = refund.amount.currency.rawValue
        reason = refund.reason?.rawValue
        status = refund.status.rawValue
        provider_refund_id = refund.providerRefundID
        created_at = refund.createdAt
        updated_at = refund.updatedAt
    }
}
