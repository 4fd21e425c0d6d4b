import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A grace period as the API shows it and events carry it.
public struct GracePeriodResource: Encodable, Sendable {
    public let id: String
    public let object = "grace_period"
    public let customer_id: String
    @Nullable public var subscription_id: String?
    public let reason: String
    public let status: String
    public let starts_at: Date
    public let ends_at: Date
    @Nullable public var closed_at: Date?
    @Nullable public var resolution: String?
    public let created_at: Date

    public init(_ g: GracePeriod) {
        id = g.id.rawValue
        customer_id = g.customerID.rawValue
        subscription_id = g.subscriptionID?.rawValue
        reason = g.reason.rawValue
        status = g.status.rawValue
        starts_at = g.startsAt
        ends_at = g.endsAt
        closed_at = g.closedAt
        resolution = g.resolution
        created_at = g.createdAt
    }
}
