#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What we tell an app: a normalized event written to the outbox in the same transaction as the
/// change it announces, numbered per app, delivered to the app's webhook endpoints.
public struct Event: Sendable, Equatable, Identified {
    public static let idPrefix = "evt"
    public static let resourceType = ResourceType.event
    public typealias ID = TypedID<Event>

    public enum Kind: String, Sendable, Codable, CaseIterable {
        case checkoutCompleted = "checkout.completed"
        case customerCreated = "customer.created"
        case customerUpdated = "customer.updated"
        case subscriptionCreated = "subscription.created"
        case subscriptionActivated = "subscription.activated"
        case subscriptionUpdated = "subscription.updated"
        case subscriptionPastDue = "subscription.past_due"
        case subscriptionCanceled = "subscription.canceled"
        case subscriptionTrialEnding = "subscription.trial_ending"
        case paymentSucceeded = "payment.succeeded"
        case paymentFailed = "payment.failed"
        case paymentRefunded = "payment.refunded"
        case invoiceCreated = "invoice.created"
        case invoiceFinalized = "invoice.finalized"
        case invoicePaid = "invoice.paid"
        case invoicePaymentFailed = "invoice.payment_failed"
        case invoiceVoided = "invoice.voided"
        case invoiceMarkedUncollectible = "invoice.marked_uncollectible"
        case gracePeriodStarted = "grace_period.started"
        case gracePeriodResolved = "grace_period.resolved"
        case gracePeriodExpired = "grace_period.expired"
        case usageThresholdReached = "usage.threshold_reached"
        case entitlementsChanged = "entitlements.changed"
    }

    public let id: ID
    public let appID: App.ID
    /// Increases by one with every event of the app, in the order events became visible (see `EventSequencer`).
    public let sequence: Int64
    public let type: Kind
    /// The kind (`subscription`, `payment`…) and id of the object the event carries.
    public let objectType: ResourceType
    public let objectID: String
    /// The event as delivered: a JSON object with `id`, `type`, `created_at`, `sequence` and
    /// `data.object` (the resource as the API shows it).
    public let payload: String
    public let createdAt: Date

    public init(
        id: ID,
        appID: App.ID,
        sequence: Int64,
        type: Kind,
        objectType: ResourceType,
        objectID: String,
        payload: String,
        createdAt: Date
    ) {
        self.id = id
        self.appID = appID
        self.sequence = sequence
        self.type = type
        self.objectType = objectType
        self.objectID = objectID
        self.payload = payload
        self.createdAt = createdAt
    }
}

/// What is announced about a subscription when it moves from `old` (nil: it is new) to `new`:
/// `created`, then the status event the move is (`activated`, `past_due`, `canceled`), else
/// `updated` when anything a user sees changed.
public func subscriptionEvents(from old: Subscription?, to new: Subscription) -> [Event.Kind] {
    guard let old else {
        var kinds: [Event.Kind] = [.subscriptionCreated]
        if new.status == .active || new.status == .trialing { kinds.append(.subscriptionActivated) }
        return kinds
    }
    if old.status != new.status {
        switch new.status {
        case .active, .trialing:
            // Trial → active is a renewal of access, not a new activation: announce it as an update.
            if old.status == .trialing && new.status == .active { return [.subscriptionUpdated] }
            return [.subscriptionActivated]
        case .pastDue, .unpaid: return old.status == .pastDue || old.status == .unpaid ? [.subscriptionUpdated] : [.subscriptionPastDue]
        case .canceled, .incompleteExpired:
            return old.status == .canceled || old.status == .incompleteExpired ? [.subscriptionUpdated] : [.subscriptionCanceled]
        case .incomplete, .paused: return [.subscriptionUpdated]
        }
    }
    let changed =
        old.planID != new.planID || old.priceID != new.priceID || old.quantity != new.quantity
        || old.currentPeriodStart != new.currentPeriodStart || old.currentPeriodEnd != new.currentPeriodEnd
        || old.trialEnd != new.trialEnd || old.cancelAtPeriodEnd != new.cancelAtPeriodEnd || old.canceledAt != new.canceledAt
        || old.endedAt != new.endedAt
    return changed ? [.subscriptionUpdated] : []
}

/// What is announced about a payment when it moves from `old` (nil: it is new) to `new`.
public func paymentEvents(from old: Payment?, to new: Payment) -> [Event.Kind] {
    var kinds: [Event.Kind] = []
    if old?.status != new.status {
        switch new.status {
        case .succeeded: kinds.append(.paymentSucceeded)
        case .failed: kinds.append(.paymentFailed)
        default: break
        }
    }
    if new.amountRefunded > (old?.amountRefunded ?? 0) { kinds.append(.paymentRefunded) }
    return kinds
}
