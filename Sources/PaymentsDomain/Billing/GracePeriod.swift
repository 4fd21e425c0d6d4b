#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A window in which a customer keeps access after a failed payment.
public struct GracePeriod: Sendable, Equatable, Identified {
    public static let idPrefix = "grace"
    public static let resourceType = ResourceType.gracePeriod
    public typealias ID = TypedID<GracePeriod>

    public enum Reason: String, Sendable, Codable, CaseIterable {
        case paymentFailed = "payment_failed"
        /// Usage of a metric went past the plan's limit for the period.
        case usageLimit = "usage_limit"
        /// Opened by hand (`POST /v1/grace-periods` is not offered yet; kept for the usage work).
        case manual
    }

    public enum Status: String, Sendable, Codable, CaseIterable {
        case open, resolved, expired
    }

    public let id: ID
    public let appID: App.ID
    public let customerID: Customer.ID
    /// The customer's external id: the id the app holds for it (`org_42`).
    public let customerExternalID: String
    public let subscriptionID: Subscription.ID?
    public let reason: Reason
    public var status: Status
    public let startsAt: Date
    public let endsAt: Date
    public var closedAt: Date?
    public var resolution: String?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: ID,
        appID: App.ID,
        customerID: Customer.ID,
        customerExternalID: String,
        subscriptionID: Subscription.ID?,
        reason: Reason,
        status: Status,
        startsAt: Date,
        endsAt: Date,
        closedAt: Date?,
        resolution: String?,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.appID = appID
        self.customerID = customerID
        self.customerExternalID = customerExternalID
        self.subscriptionID = subscriptionID
        self.reason = reason
        self.status = status
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.closedAt = closedAt
        self.resolution = resolution
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The app's default length when the plan names none.
    public static let defaultDays = 7
    /// A grace period's length, as a plan or an app sets it.
    public static let daysRule = IntegerRule(0...365)
    /// Why one was resolved by hand.
    public static let resolutionRule = TextRule(length: 1...500)
}
