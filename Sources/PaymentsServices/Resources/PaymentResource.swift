import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A payment as the API shows it and events carry it.
public struct PaymentResource: Encodable, Sendable {
    public struct Failure: Encodable, Sendable {
        public let code: String
        @Nullable public var decline_code: String?
        public let message: String
    }

    public let id: String
    public let object = "payment"
    public let customer_id: String
    public let amount: Int64
    public let currency: String
    public let amount_refunded: Int64
    public let status: String
    @Nullable public var description: String?
    public let metadata: [String: String]
    public let provider: String
    @Nullable public var provider_payment_id: String?
    @Nullable public var failure: Failure?
    /// Present on a single payment; left out of lists.
    public let refunds: [RefundResource]?
    public let created_at: Date
    public let updated_at: Date

    public init(_ payment: Payment, refunds: [Refund]?) {
        id = payment.id.rawValue
        customer_id = payment.customerID.rawValue
        amount = payment.amount.amount
        currency = payment.amount.currency.rawValue
        amount_refunded = payment.amountRefunded
        status = payment.status.rawValue
        description = payment.description
        metadata = payment.metadata
        provider = payment.provider.rawValue
        provider_payment_id = payment.providerPaymentID
        failure = payment.failure.map { Failure(code: $0.code, decline_code: $0.declineCode, message: $0.message) }
        self.refunds = refunds?.map(RefundResource.init)
        created_at = payment.createdAt
        updated_at = payment.updatedAt
    }
}
