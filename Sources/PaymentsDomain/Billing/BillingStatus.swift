#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where a customer stands with billing, in one word: what the billing summary shows and what
/// an app's entitlement policy decides access by.
public enum BillingStatus: String, Sendable, CaseIterable, Hashable {
    /// No subscription that grants access (never subscribed, or awaiting a first payment).
    case none
    case trialing, active
    /// Payment failed and no grace period is open (it expired, or none was opened).
    case pastDue = "past_due"
    /// Payment failed (or a quota was exceeded); an open grace period keeps access until its end.
    case inGrace = "in_grace"
    case canceled

    /// The status of a customer whose subscription that speaks for them (see ``current(of:)``) is
    /// `subscription`, with `grace` open or not.
    public init(of subscription: Subscription?, grace: GracePeriod?) {
        guard let subscription else {
            self = grace == nil ? .none : .inGrace
            return
        }
        switch subscription.status {
        case .active: self = .active
        case .trialing: self = .trialing
        case .pastDue, .unpaid: self = grace == nil ? .pastDue : .inGrace
        case .incomplete, .paused: self = grace == nil ? .none : .inGrace
        case .canceled, .incompleteExpired: self = .canceled
        }
    }

    /// The subscription that speaks for the customer: a live one (the newest with access first,
    /// then the newest in trouble) before an ended one, newest first.
    public static func current(of subscriptions: [Subscription]) -> Subscription? {
        subscriptions.min { ($0.status.accessRank, $1.createdAt) < ($1.status.accessRank, $0.createdAt) }
    }
}
