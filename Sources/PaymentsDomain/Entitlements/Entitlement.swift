#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// May customer C use feature F (for this much), and why: the gate's rules and its one pure
/// evaluation. The service feeds it from its cache; the tests feed it random worlds.
public enum Entitlement {
    /// A feature's key: a plan's feature, a plan's limit (named like a metric when usage counts
    /// against it), a declared rule, an override.
    public static let featureRule = Plan.keyRule
    /// A role or app type a rule names, and what a check's context carries.
    public static let contextRule = Plan.keyRule
    /// A location's id as the app names it.
    public static let locationRule = TextRule(length: 1...128, characters: .nonSpace)
    /// Why an override was made.
    public static let overrideReasonRule = TextRule(length: 1...500, notBlank: true)
    /// How many roles or app types a rule may name.
    public static let maximumContextValues = 50

    /// How a gate acts.
    public enum Rollout: String, Sendable, CaseIterable, Hashable {
        /// Always allowed, nothing recorded.
        case off
        /// Allowed; the decision that would have been made is returned and counted.
        case monitor
        case enforce
        /// Enforced for customers created after `enforce_after`, monitored for the older ones.
        case enforceForNew = "enforce_for_new"
    }

    /// How a check acted: a rollout resolved for one customer.
    public enum Mode: String, Sendable, CaseIterable, Hashable {
        case off, monitor, enforce
    }

    /// Why a check answered as it did: a closed set.
    public enum Reason: String, Sendable, CaseIterable, Hashable {
        /// The customer's plan grants the feature (within its limit, if it has one).
        case includedInPlan = "included_in_plan"
        /// An override grants it (or sets the limit it is within).
        case overrideGranted = "override_granted"
        /// An override takes it away.
        case overrideRevoked = "override_revoked"
        /// The customer's plan neither grants it nor limits it.
        case notInPlan = "not_in_plan"
        /// Usage and the quantity asked for would pass the limit.
        case limitExceeded = "limit_exceeded"
        /// No subscription (the policy denies access without one).
        case noSubscription = "no_subscription"
        /// A payment failed and no grace period is open.
        case paymentPastDue = "payment_past_due"
        /// A grace period is open: allowed by the default policy (this is the reason), denied if
        /// the app's policy says so.
        case inGrace = "in_grace"
        case subscriptionCanceled = "subscription_canceled"
        /// Trialing or active, and the app's policy denies that status.
        case billingStatusDenied = "billing_status_denied"
        case roleNotAllowed = "role_not_allowed"
        case appTypeNotAllowed = "app_type_not_allowed"
        /// No plan, rule or override of the app names the feature.
        case featureUnknown = "feature_unknown"
        /// Monitor mode allowed what enforcing would deny (`would_reason` says why).
        case rolloutMonitor = "rollout_monitor"
        /// The gate is off: allowed what enforcing would deny (`would_reason` says why).
        case rolloutOff = "rollout_off"
    }

    /// An app's policy: its default rollout, and which billing statuses give access.
    public struct Policy: Sendable, Equatable {
        public var rollout: Rollout
        /// With `enforce_for_new`: customers created after it are enforced.
        public var enforceAfter: Date?
        /// The billing statuses that give access.
        public var allowed: Set<BillingStatus>

        public init(rollout: Rollout = .enforce, enforceAfter: Date? = nil, allowed: Set<BillingStatus> = Policy.defaultAllowed) {
            self.rollout = rollout
            self.enforceAfter = enforceAfter
            self.allowed = allowed
        }

        /// Trialing, active and in grace allow; past due without grace, canceled and none deny.
        public static let defaultAllowed: Set<BillingStatus> = [.trialing, .active, .inGrace]
        public static let `default` = Policy()
    }

    /// What an app declares about one feature: who may use it and how it is rolled out.
    public struct Rule: Sendable, Equatable {
        public let feature: String
        /// Its own rollout; nil: the app's.
        public var rollout: Rollout?
        public var enforceAfter: Date?
        /// Only these roles may use it (empty: any).
        public var userRoles: [String]
        /// Only these app types may use it (empty: any).
        public var appTypes: [String]
        /// Its limit holds per location: usage counts the events of the check's `location_id`.
        public var perLocation: Bool
        public var updatedAt: Date

        public init(
            feature: String,
            rollout: Rollout? = nil,
            enforceAfter: Date? = nil,
            userRoles: [String] = [],
            appTypes: [String] = [],
            perLocation: Bool = false,
            updatedAt: Date
        ) {
            self.feature = feature
            self.rollout = rollout
            self.enforceAfter = enforceAfter
            self.userRoles = userRoles
            self.appTypes = appTypes
            self.perLocation = perLocation
            self.updatedAt = updatedAt
        }
    }

    /// A custom deal for one customer and one feature.
    public struct Override: Sendable, Equatable {
        public let customerID: Customer.ID
        public let feature: String
        /// true grants the feature whatever the plan and billing status; false takes it away;
        /// nil leaves that to the plan (a `limit` alone).
        public var enabled: Bool?
        /// Replaces the plan's limit.
        public var limit: Int64?
        public var expiresAt: Date?
        public var reason: String
        public let createdAt: Date
        public var updatedAt: Date

        public init(
            customerID: Customer.ID,
            feature: String,
            enabled: Bool?,
            limit: Int64?,
            expiresAt: Date?,
            reason: String,
            createdAt: Date,
            updatedAt: Date
        ) {
            self.customerID = customerID
            self.feature = feature
            self.enabled = enabled
            self.limit = limit
            self.expiresAt = expiresAt
            self.reason = reason
            self.createdAt = createdAt
            self.updatedAt = updatedAt
        }

        /// Whether it still holds at `time`.
        public func isActive(at time: Date) -> Bool { expiresAt.map { $0 > time } ?? true }
    }

    /// Who is asking, as the app's request says: never another app or customer.
    public struct Context: Sendable, Equatable {
        public var userRole: String?
        public var appType: String?
        public var locationID: String?

        public init(userRole: String? = nil, appType: String? = nil, locationID: String? = nil) {
            self.userRole = userRole
            self.appType = appType
            self.locationID = locationID
        }
    }

    /// Everything a check of one customer reads, resolved once and cached.
    public struct Standing: Sendable, Equatable {
        public let customerID: Customer.ID
        public let customerCreatedAt: Date
        public let status: BillingStatus
        /// The plan of the subscription that speaks for the customer (none when it grants no
        /// access: canceled, never subscribed).
        public let planKey: String?
        public let features: Set<String>
        public let limits: [String: Int64]
        public let overrides: [String: Override]

        public init(
            customerID: Customer.ID,
            customerCreatedAt: Date,
            status: BillingStatus,
            planKey: String?,
            features: Set<String>,
            limits: [String: Int64],
            overrides: [String: Override]
        ) {
            self.customerID = customerID
            self.customerCreatedAt = customerCreatedAt
            self.status = status
            self.planKey = planKey
            self.features = features
            self.limits = limits
            self.overrides = overrides
        }
    }

    /// A check's answer.
    public struct Decision: Sendable, Equatable {
        public let feature: String
        public let allowed: Bool
        public let reason: Reason
        public let mode: Mode
        /// What enforcing would answer.
        public let wouldAllow: Bool
        public let wouldReason: Reason
        public let limit: Int64?
        public let usage: Double?
        public let remaining: Double?
        public let planKey: String?
        public let status: BillingStatus
    }

    /// The mode a feature's gate acts in for a customer created at `customerCreatedAt`.
    public static func mode(rule: Rule?, policy: Policy, customerCreatedAt: Date) -> Mode {
        let rollout = rule?.rollout ?? policy.rollout
        switch rollout {
        case .off: return .off
        case .monitor: return .monitor
        case .enforce: return .enforce
        case .enforceForNew:
            let after = (rule?.rollout == nil ? policy.enforceAfter : rule?.enforceAfter) ?? .distantPast
            return customerCreatedAt > after ? .enforce : .monitor
        }
    }

    /// The reason a billing status that the policy denies gives.
    static func denial(of status: BillingStatus) -> Reason {
        switch status {
        case .none: .noSubscription
        case .pastDue: .paymentPastDue
        case .inGrace: .inGrace
        case .canceled: .subscriptionCanceled
        case .trialing, .active: .billingStatusDenied
        }
    }

    /// May the customer of `standing` use `feature` for `quantity` more, in `context`, at `now`?
    /// - Parameters:
    ///   - known: whether any plan, rule or override of the app names the feature.
    ///   - usage: the customer's current usage of the metric named like the feature (this period;
    ///     a gauge's current value; of the context's location when the rule is per location),
    ///     nil when no metric has that name (a limit is then checked against `quantity` alone).
    public static func evaluate(
        feature: String,
        quantity: Int64,
        context: Context,
        standing: Standing,
        policy: Policy,
        rule: Rule?,
        known: Bool,
        usage: Double?,
        now: Date
    ) -> Decision {
        let override = standing.overrides[feature].flatMap { $0.isActive(at: now) ? $0 : nil }
        let planLimit = standing.limits[feature]
        let limit = override?.limit ?? planLimit
        let used = limit == nil ? nil : (usage ?? 0)
        let (wouldAllow, wouldReason): (Bool, Reason) = {
            if let rule, !rule.userRoles.isEmpty, !rule.userRoles.contains(context.userRole ?? "") { return (false, .roleNotAllowed) }
            if let rule, !rule.appTypes.isEmpty, !rule.appTypes.contains(context.appType ?? "") { return (false, .appTypeNotAllowed) }
            if override?.enabled == false { return (false, .overrideRevoked) }
            let granted = override?.enabled == true
            if !granted {
                guard known || override != nil else { return (false, .featureUnknown) }
                guard policy.allowed.contains(standing.status) else { return (false, denial(of: standing.status)) }
                let inPlan = standing.features.contains(feature) || planLimit != nil
                guard inPlan || override?.limit != nil else { return (false, .notInPlan) }
            }
            if let limit, let used, used + Double(quantity) > Double(limit) { return (false, .limitExceeded) }
            if granted || override?.limit != nil { return (true, .overrideGranted) }
            return (true, standing.status == .inGrace ? .inGrace : .includedInPlan)
        }()
        let mode = mode(rule: rule, policy: policy, customerCreatedAt: standing.customerCreatedAt)
        let allowed: Bool
        let reason: Reason
        switch mode {
        case .enforce: (allowed, reason) = (wouldAllow, wouldReason)
        case .monitor: (allowed, reason) = (true, wouldAllow ? wouldReason : .rolloutMonitor)
        case .off: (allowed, reason) = (true, wouldAllow ? wouldReason : .rolloutOff)
        }
        return Decision(
            feature: feature,
            allowed: allowed,
            reason: reason,
            mode: mode,
            wouldAllow: wouldAllow,
            wouldReason: wouldReason,
            limit: limit,
            usage: used,
            remaining: limit.map { limit in max(0, Double(limit) - (used ?? 0)) },
            planKey: standing.planKey,
            status: standing.status
        )
    }
}
