#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A hosted payment page the app sends its user to, for a subscription or a one-time payment.
public struct CheckoutSession: Sendable, Equatable, Identified {
    public static let idPrefix = "cs"
    public static let resourceType = ResourceType.checkoutSession
    public typealias ID = TypedID<CheckoutSession>

    public enum Mode: String, Sendable, Codable, CaseIterable {
        case subscription, payment
    }

    public enum Status: String, Sendable, Codable, CaseIterable {
        case open, complete, expired
    }

    public let id: ID
    public let appID: App.ID
    public let customerID: Customer.ID
    /// The customer's external id: the id the app holds for it (`org_42`).
    public let customerExternalID: String
    public let mode: Mode
    public let planID: Plan.ID
    public let priceID: Price.ID
    public let quantity: Int
    public let trialPeriodDays: Int?
    public let successURL: String
    public let cancelURL: String?
    public let metadata: [String: String]
    public var status: Status
    public var url: String?
    public var expiresAt: Date?
    public let provider: ProviderName
    public var providerSessionID: String?
    public var subscriptionID: Subscription.ID?
    public var paymentID: Payment.ID?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: ID,
        appID: App.ID,
        customerID: Customer.ID,
        customerExternalID: String,
        mode: Mode,
        planID: Plan.ID,
        priceID: Price.ID,
        quantity: Int,
        trialPeriodDays: Int?,
        successURL: String,
        cancelURL: String?,
        metadata: [String: String],
        status: Status,
        url: String?,
        expiresAt: Date?,
        provider: ProviderName,
        providerSessionID: String?,
        subscriptionID: Subscription.ID?,
        paymentID: Payment.ID?,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.appID = appID
        self.customerID = customerID
        self.customerExternalID = customerExternalID
        self.mode = mode
        self.planID = planID
        self.priceID = priceID
        self.quantity = quantity
        self.trialPeriodDays = trialPeriodDays
        self.successURL = successURL
        self.cancelURL = cancelURL
        self.metadata = metadata
        self.status = status
        self.url = url
        self.expiresAt = expiresAt
        self.provider = provider
        self.providerSessionID = providerSessionID
        self.subscriptionID = subscriptionID
        self.paymentID = paymentID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Checks a redirect URL: absolute http(s), at most 2048 characters (Stripe's limits).
    /// Where a buyer is sent back to: an absolute http(s) URL.
    public static let urlRule = TextRule(length: 1...2048, prefixes: ["https://", "http://"], format: "uri")

    public static func validate(url: String, param: String) throws(PaymentsError) {
        guard urlRule.accepts(url), let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
            ["http", "https"].contains(scheme), parsed.host?.isEmpty == false
        else {
            throw .invalid(param, "\(param) must be an absolute http or https URL of at most 2048 characters.")
        }
    }
}
