#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A one-time charge of a customer.
public struct Payment: Sendable, Equatable, Identified {
    public static let idPrefix = "pay"
    /// A provider's payment method id (`pm_card_visa`, `pm_sandbox_visa`).
    public static let paymentMethodRule = TextRule(length: 1...255)
    public static let descriptionRule = TextRule(length: 0...1000)
    public static let resourceType = ResourceType.payment
    public typealias ID = TypedID<Payment>

    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Recorded; the provider has not answered yet.
        case pending
        case processing
        case requiresAction = "requires_action"
        case succeeded
        case failed
        case canceled
        /// The provider did not answer (timeout, connection lost after sending). The service
        /// reconciles it by looking the payment up at the provider; it is never sent again under
        /// another idempotency key.
        case unknown
    }

    public let id: ID
    public let appID: App.ID
    public let customerID: Customer.ID
    /// The customer's external id: the id the app holds for it (`org_42`).
    public let customerExternalID: String
    public let amount: Money
    public var amountRefunded: Int64
    public var status: Status
    public let description: String?
    public let metadata: [String: String]
    public let provider: ProviderName
    public var providerPaymentID: String?
    public var failure: PaymentFailure?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: ID,
        appID: App.ID,
        customerID: Customer.ID,
        customerExternalID: String,
        amount: Money,
        amountRefunded: Int64,
        status: Status,
        description: String?,
        metadata: [String: String],
        provider: ProviderName,
        providerPaymentID: String?,
        failure: PaymentFailure?,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.appID = appID
        self.customerID = customerID
        self.customerExternalID = customerExternalID
        self.amount = amount
        self.amountRefunded = amountRefunded
        self.status = status
        self.description = description
        self.metadata = metadata
        self.provider = provider
        self.providerPaymentID = providerPaymentID
        self.failure = failure
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var refundable: Int64 { status == .succeeded ? amount.amount - amountRefunded : 0 }

    /// Copies the provider's view onto this record. The refunded amount only grows.
    public mutating func mirror(_ remote: ProviderPayment, at time: Date) {
        providerPaymentID = remote.id
        status = remote.status
        amountRefunded = max(amountRefunded, remote.amountRefunded)
        failure = remote.failure
        updatedAt = time
    }

    /// What may be refunded now.
    /// - Parameter requested: the amount asked for; nil means all that remains.
    /// - Throws: `refund_exceeds_payment`, `payment_not_refundable`, `parameter_invalid`.
    public func refundAmount(_ requested: Int64?) throws(PaymentsError) -> Int64 {
        guard status == .succeeded else {
            throw PaymentsError(
                .invalidRequest,
                code: .paymentNotRefundable,
                message: "Payment \(id) is \(status.rawValue); only succeeded payments can be refunded."
            )
        }
        let remaining = amount.amount - amountRefunded
        if let requested {
            try Money.validate(amount: requested, param: "amount", allowZero: false)
            guard requested <= remaining else {
                throw PaymentsError(
                    .invalidRequest,
                    code: .refundExceedsPayment,
                    message: "Refund of \(requested) exceeds the \(remaining) \(amount.currency) that remains of payment \(id).",
                    param: "amount"
                )
            }
            return requested
        }
        guard remaining > 0 else {
            throw PaymentsError(
                .invalidRequest,
                code: .refundExceedsPayment,
                message: "Payment \(id) is already fully refunded.",
                param: "amount"
            )
        }
        return remaining
    }
}

/// Why a payment failed, as the provider said it.
public struct PaymentFailure: Sendable, Equatable, Codable {
    /// `card_declined`, `expired_card`, `processing_error`, ...
    public let code: String
    /// The issuer's reason when the card was declined (`insufficient_funds`, `generic_decline`...).
    public let declineCode: String?
    public let message: String

    public init(code: String, declineCode: String?, message: String) {
        self.code = code
        self.declineCode = declineCode
        self.message = message
    }
}

/// Money given back on a payment, in whole or in part.
public struct Refund: Sendable, Equatable, Identified {
    public static let idPrefix = "re"
    public static let resourceType = ResourceType.refund
    public typealias ID = TypedID<Refund>

    public enum Status: String, Sendable, Codable, CaseIterable {
        case pending, succeeded, failed, canceled, unknown
    }

    public enum Reason: String, Sendable, Codable, CaseIterable {
        case duplicate, fraudulent
        case requestedByCustomer = "requested_by_customer"
    }

    public let id: ID
    public let appID: App.ID
    public let paymentID: Payment.ID
    public let amount: Money
    public let reason: Reason?
    public var status: Status
    public var providerRefundID: String?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: ID,
        appID: App.ID,
        paymentID: Payment.ID,
        amount: Money,
        reason: Reason?,
        status: Status,
        providerRefundID: String?,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.appID = appID
        self.paymentID = paymentID
        self.amount = amount
        self.reason = reason
        self.status = status
        self.providerRefundID = providerRefundID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Whether the refund holds money back from the payment (a failed or cancelled one does not).
    public var counts: Bool { ![.failed, .canceled].contains(status) }
}
