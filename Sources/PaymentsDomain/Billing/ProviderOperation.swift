#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One call to a provider that changes something, recorded before the call is made.
///
/// The core owns its id and passes it as the provider's idempotency key, so a retry after a
/// crash or a timeout sends the same key and cannot act twice. Its outcome separates "failed"
/// (nothing happened) from "unknown" (may or may not have happened): an unknown operation is
/// reconciled by looking the object up, never re-sent under a new key.
public struct ProviderOperation: Sendable, Equatable, Identified {
    public static let idPrefix = "op"
    public static let resourceType = ResourceType.operation
    public typealias ID = TypedID<ProviderOperation>

    public enum Kind: String, Sendable, Codable, CaseIterable {
        case createPayment = "create_payment"
        case createRefund = "create_refund"
        case createSubscription = "create_subscription"
    }

    public enum Status: String, Sendable, Codable, CaseIterable {
        case pending, succeeded, failed, unknown
    }

    public let id: ID
    public let appID: App.ID
    /// The app's `Idempotency-Key` when the request had one: a retried request finds its
    /// operation by it instead of starting another.
    public let requestKey: String?
    public let kind: Kind
    /// Our object the operation acts on (`pay_...`, `sub_...`).
    public let targetID: String
    public let provider: ProviderName
    public var status: Status
    public var providerObjectID: String?
    public var errorCode: String?
    public var attempts: Int
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: ID,
        appID: App.ID,
        requestKey: String?,
        kind: Kind,
        targetID: String,
        provider: ProviderName,
        status: Status,
        providerObjectID: String?,
        errorCode: String?,
        attempts: Int,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.appID = appID
        self.requestKey = requestKey
        self.kind = kind
        self.targetID = targetID
        self.provider = provider
        self.status = status
        self.providerObjectID = providerObjectID
        self.errorCode = errorCode
        self.attempts = attempts
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The key sent to the provider: the operation id itself.
    public var idempotencyKey: String { id.rawValue }
}
