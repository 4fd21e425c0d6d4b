import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum Entitlements {}

extension Entitlements {
    /// A check as the app asks it.
    public struct Check: Sendable {
        public var customer: String
        public var feature: String
        public var quantity: Int64
        public var context: Entitlement.Context

        public init(customer: String, feature: String, quantity: Int64 = 1, context: Entitlement.Context = .init()) {
            self.customer = customer
            self.feature = feature
            self.quantity = quantity
            self.context = context
        }
    }

    /// A check's answer and whom it was about.
    public struct Answer: Sendable {
        public let customer: Customer
        public let decision: Entitlement.Decision
    }

    /// What an override sets.
    public struct OverrideInput: Sendable {
        public var enabled: Bool?
        public var limit: Int64?
        public var expiresAt: Date?
        public var reason: String?

        public init(enabled: Bool? = nil, limit: Int64? = nil, expiresAt: Date? = nil, reason: String? = nil) {
            self.enabled = enabled
            self.limit = limit
            self.expiresAt = expiresAt
            self.reason = reason
        }
    }

    /// An override as the API shows it: with its customer's external id, and whether it was
    /// just deleted.
    public struct OverrideView: Sendable {
        public let override: Entitlement.Override
        public let customer: String
        public let deleted: Bool
    }

    /// Changes to an app's policy; nil leaves a field as it is.
    public struct PolicyChanges: Sendable {
        public var rollout: Entitlement.Rollout?
        public var enforceAfter: Patch<Date>
        public var allowedStatuses: [BillingStatus]?

        public init(rollout: Entitlement.Rollout? = nil, enforceAfter: Patch<Date> = .unchanged, allowedStatuses: [BillingStatus]? = nil) {
            self.rollout = rollout
            self.enforceAfter = enforceAfter
            self.allowedStatuses = allowedStatuses
        }
    }

    /// A feature's rule as set whole.
    public struct RuleInput: Sendable {
        public var rollout: Entitlement.Rollout?
        public var enforceAfter: Date?
        public var userRoles: [String]
        public var appTypes: [String]
        public var perLocation: Bool

        public init(
            rollout: Entitlement.Rollout? = nil,
            enforceAfter: Date? = nil,
            userRoles: [String] = [],
            appTypes: [String] = [],
            perLocation: Bool = false
        ) {
            self.rollout = rollout
            self.enforceAfter = enforceAfter
            self.userRoles = userRoles
            self.appTypes = appTypes
            self.perLocation = perLocation
        }
    }

    /// What checks of one feature decided over a window: monitor mode's report.
    public struct FeatureDecisions: Sendable {
        public struct CustomerCount: Sendable {
            public let customerID: Customer.ID
            public let customer: String
            public let checks: Int64
            public let wouldDeny: Int64
            public let denied: Int64
            public let lastReason: String?
        }

        public let feature: String
        public let checks: Int64
        public let wouldDeny: Int64
        public let denied: Int64
        /// The customers checks would have denied, most denials first (at most 100).
        public let customers: [CustomerCount]
        public let customersWouldDeny: Int
    }

    public struct DecisionReport: Sendable {
        public let from: Date
        public let to: Date
        public let features: [FeatureDecisions]
    }

    /// Feature gates: checks answered from memory, overrides, the app's policy and rules, and
    /// the report of what checks decided.
    ///
    /// A class: every request of its routes holds it, and a class is shared by one reference.
    public final class Service: Sendable {
        let store: Store
        let cache: EntitlementCache
        let decisions: EntitlementDecisions
        /// Whose cached look-up of customers by external id checks use.
        let usage: Usage.Service

        public init(store: Store, usage: Usage.Service) {
            self.store = store
            self.usage = usage
            let cache = EntitlementCache()
            self.cache = cache
            self.decisions = EntitlementDecisions(store: store)
            store.entitlementChanges.subscribe { cache.drop($0) }
        }

        /// May the customer use the feature (for `quantity` more), and why.
        /// - Throws: 404 `customer_not_found`; 400 naming the parameter.
        public func check(app: App.ID, _ check: Check) async throws -> Answer {
            try Entitlement.featureRule.check(check.feature, param: "feature")
            guard check.quantity >= 0 else { throw PaymentsError.invalid("quantity", "quantity must be 0 or more.") }
            let (rules, state) = try await read(app, check.customer)
            let customer = state.customer
            let rule = rules.rules[check.feature]
            let now = try await store.now(of: app)
            var usage = state.usage[check.feature]
            if rule?.perLocation == true, let metric = rules.metrics[check.feature],
                state.standing.overrides[check.feature]?.limit ?? state.standing.limits[check.feature] != nil
            {
                guard let location = check.context.locationID else {
                    throw PaymentsError.invalid(
                        "context[location_id]",
                        "Feature '\(check.feature)' is limited per location: give context.location_id."
                    )
                }
                usage = try await locationUsage(of: customer, metric: metric, location: location, period: state.period)
            }
            let decision = Entitlement.evaluate(
                feature: check.feature,
                quantity: check.quantity,
                context: check.context,
                standing: state.standing,
                policy: rules.policy,
                rule: rule,
                known: rules.known.contains(check.feature),
                usage: usage,
                now: now
            )
            decisions.count(app: app, customer: customer.id, decision, at: now)
            return Answer(customer: customer, decision: decision)
        }

        /// Every feature and limit of the customer at once.
        public func entitlements(app: App.ID, externalID: String) async throws -> CustomerEntitlements {
            let (rules, state) = try await read(app, externalID)
            return Entitlements.view(state, rules: rules, now: try await store.now(of: app))
        }

        // MARK: Overrides

        /// Sets the customer's override of `feature`; audited as SET_ENTITLEMENT_OVERRIDE.
        /// - Returns: the override, and whether it is new.
        public func setOverride(
            app: App.ID,
            externalID: String,
            feature: String,
            _ input: OverrideInput,
            origin: Origin
        ) async throws -> (OverrideView, created: Bool) {
            try Entitlement.featureRule.check(feature, param: "feature")
            guard let reason = input.reason else { throw PaymentsError.missing("reason") }
            try Entitlement.overrideReasonRule.check(reason, param: "reason")
            guard input.enabled != nil || input.limit != nil else {
                throw PaymentsError.invalid("enabled", "Give enabled, limit or both: an override must change something.")
            }
            if let limit = input.limit { try Plan.limitRule.check(limit, param: "limit") }
            let customer = try await customer(app, externalID)
            return try await store.write(origin, app: app) { session in
                if let expiresAt = input.expiresAt, expiresAt <= session.now {
                    throw PaymentsError.invalid("expires_at", "expires_at must be in the future.")
                }
                let repository = session.entitlements(app)
                let existing = try await repository.override(customer: customer.id, feature: feature)
                let override = Entitlement.Override(
                    customerID: customer.id,
                    feature: feature,
                    enabled: input.enabled,
                    limit: input.limit,
                    expiresAt: input.expiresAt,
                    reason: reason,
                    createdAt: existing?.createdAt ?? session.now,
                    updatedAt: session.now
                )
                try await repository.save(override)
                try await session.record(app, .setEntitlementOverride, override, before: existing)
                return (OverrideView(override: override, customer: customer.externalID, deleted: false), existing == nil)
            }
        }

        public func override(app: App.ID, externalID: String, feature: String) async throws -> OverrideView {
            try Entitlement.featureRule.check(feature, param: "feature")
            let customer = try await customer(app, externalID)
            guard let override = try await store.read({ try await $0.entitlements(app).override(customer: customer.id, feature: feature) }) else {
                throw PaymentsError.notFound(.overrideNotFound, id: "\(externalID)/\(feature)")
            }
            return OverrideView(override: override, customer: customer.externalID, deleted: false)
        }

        /// Deletes the override; audited as DELETE_ENTITLEMENT_OVERRIDE.
        public func deleteOverride(app: App.ID, externalID: String, feature: String, origin: Origin) async throws -> OverrideView {
            try Entitlement.featureRule.check(feature, param: "feature")
            let customer = try await customer(app, externalID)
            return try await store.write(origin, app: app) { session in
                let repository = session.entitlements(app)
                guard let existing = try await repository.override(customer: customer.id, feature: feature) else {
                    throw PaymentsError.notFound(.overrideNotFound, id: "\(externalID)/\(feature)")
                }
                try await repository.deleteOverride(customer: customer.id, feature: feature)
                try await session.record(app, .deleteEntitlementOverride, existing, before: nil)
                return OverrideView(override: existing, customer: customer.externalID, deleted: true)
            }
        }

        // MARK: Policy and rules

        public func policy(app: App.ID) async throws -> Entitlement.Policy {
            try await store.read { try await $0.entitlements(app).policy() }
        }

        /// Changes the app's policy; audited as UPDATE_ENTITLEMENT_POLICY.
        public func updatePolicy(app: App.ID, _ changes: PolicyChanges, origin: Origin) async throws -> Entitlement.Policy {
            try await store.write(origin, app: app) { session in
                var policy = try await session.entitlements(app).policy()
                if let rollout = changes.rollout { policy.rollout = rollout }
                changes.enforceAfter.apply(to: &policy.enforceAfter)
                if let statuses = changes.allowedStatuses { policy.allowed = Set(statuses) }
                if policy.rollout == .enforceForNew, policy.enforceAfter == nil {
                    throw PaymentsError.invalid("enforce_after", "enforce_for_new needs enforce_after: customers created after it are enforced.")
                }
                try await session.entitlements(app).save(policy)
                try await session.audit(
                    app,
                    try AuditRecord(
                        action: .updateEntitlementPolicy,
                        targetType: .entitlementPolicy,
                        targetID: app.rawValue,
                        snapshot: PolicySnapshot(policy)
                    )
                )
                session.noteEntitlementsChanged(.app(app))
                return policy
            }
        }

        public func rules(app: App.ID) async throws -> [Entitlement.Rule] {
            try await store.read { try await $0.entitlements(app).rules() }
        }

        public func rule(app: App.ID, feature: String) async throws -> Entitlement.Rule {
            try Entitlement.featureRule.check(feature, param: "feature")
            guard let rule = try await store.read({ try await $0.entitlements(app).rule(feature) }) else {
                throw PaymentsError.notFound(.featureRuleNotFound, id: feature)
            }
            return rule
        }

        /// Sets a feature's rule whole; audited as SET_ENTITLEMENT_RULE.
        public func setRule(app: App.ID, feature: String, _ input: RuleInput, origin: Origin) async throws -> (Entitlement.Rule, created: Bool) {
            try Entitlement.featureRule.check(feature, param: "feature")
            if input.rollout == .enforceForNew, input.enforceAfter == nil {
                throw PaymentsError.invalid("enforce_after", "enforce_for_new needs enforce_after: customers created after it are enforced.")
            }
            return try await store.write(origin, app: app) { session in
                let existing = try await session.entitlements(app).rule(feature)
                let rule = Entitlement.Rule(
                    feature: feature,
                    rollout: input.rollout,
                    enforceAfter: input.enforceAfter,
                    userRoles: input.userRoles,
                    appTypes: input.appTypes,
                    perLocation: input.perLocation,
                    updatedAt: session.now
                )
                try await session.entitlements(app).save(rule)
                try await session.audit(
                    app,
                    try AuditRecord(action: .setEntitlementRule, targetType: .entitlementRule, targetID: feature, snapshot: RuleSnapshot(rule))
                )
                session.noteEntitlementsChanged(.app(app))
                return (rule, existing == nil)
            }
        }

        /// Deletes a feature's rule (the app's policy applies to it again); audited.
        public func deleteRule(app: App.ID, feature: String, origin: Origin) async throws -> Entitlement.Rule {
            try Entitlement.featureRule.check(feature, param: "feature")
            return try await store.write(origin, app: app) { session in
                guard let existing = try await session.entitlements(app).rule(feature) else {
                    throw PaymentsError.notFound(.featureRuleNotFound, id: feature)
                }
                _ = try await session.entitlements(app).deleteRule(feature)
                try await session.audit(
                    app,
                    try AuditRecord(action: .deleteEntitlementRule, targetType: .entitlementRule, targetID: feature, snapshot: RuleSnapshot(existing))
                )
                session.noteEntitlementsChanged(.app(app))
                return existing
            }
        }

        // MARK: Decisions

        /// Adds the counts gathered in memory to the database (a worker calls it every second).
        @discardableResult
        public func flushDecisions() async throws -> Int { try await decisions.flush() }

        /// What checks decided over the hours that start in `[from, to)`, per feature: how many
        /// enforcing would have denied, and for which customers.
        /// - Parameters:
        ///   - from: default 24 hours before `to`.
        ///   - to: default the end of the app's current hour (its clock).
        public func decisions(app: App.ID, feature: String?, from: Date?, to: Date?) async throws -> DecisionReport {
            if let feature { try Entitlement.featureRule.check(feature, param: "feature") }
            let now = try await store.now(of: app)
            let to = to ?? EntitlementDecisions.hour(of: now).addingTimeInterval(3600)
            let from = from ?? to.addingTimeInterval(-24 * 3600)
            guard from < to else { throw PaymentsError.invalid("to", "to must be after from.") }
            try await decisions.flush()
            let hourFloor = EntitlementDecisions.hour(of: from)
            let rows = try await store.read { try await $0.entitlements(app).decisions(feature: feature, from: hourFloor, to: to) }
            var features: [FeatureDecisions] = []
            for (name, group) in Dictionary(grouping: rows, by: \.count.feature).sorted(by: { $0.key < $1.key }) {
                var perCustomer: [Customer.ID: FeatureDecisions.CustomerCount] = [:]
                for (count, external) in group {
                    let before = perCustomer[count.customerID]
                    perCustomer[count.customerID] = FeatureDecisions.CustomerCount(
                        customerID: count.customerID,
                        customer: external,
                        checks: (before?.checks ?? 0) + count.checks,
                        wouldDeny: (before?.wouldDeny ?? 0) + count.wouldDeny,
                        denied: (before?.denied ?? 0) + count.denied,
                        lastReason: count.lastReason ?? before?.lastReason
                    )
                }
                let denying = perCustomer.values.filter { $0.wouldDeny > 0 }
                    .sorted { ($0.wouldDeny, $1.customer) > ($1.wouldDeny, $0.customer) }
                features.append(
                    FeatureDecisions(
                        feature: name,
                        checks: group.reduce(0) { $0 + $1.count.checks },
                        wouldDeny: group.reduce(0) { $0 + $1.count.wouldDeny },
                        denied: group.reduce(0) { $0 + $1.count.denied },
                        customers: Array(denying.prefix(100)),
                        customersWouldDeny: denying.count
                    )
                )
            }
            return DecisionReport(from: hourFloor, to: to, features: features)
        }

        // MARK: Reading through the cache

        /// The app's rules and the state of its customer `externalID`: from the cache in one look
        /// when it keeps both (only customers that exist are kept), else each read in turn.
        func read(_ app: App.ID, _ externalID: String) async throws -> (EntitlementCache.AppRules, EntitlementCache.CustomerState) {
            let instant = ContinuousClock.now
            if let (rules, cached, refresh) = cache.warm(app, externalID: externalID, now: instant) {
                if refresh { _ = read(cached.customer, rules: rules, at: instant, refreshing: cached) }
                return (rules, cached)
            }
            let customer = try await customer(app, externalID)
            let rules = try await rules(app)
            return (rules, try await state(of: customer, rules: rules))
        }

        func customer(_ app: App.ID, _ externalID: String) async throws -> Customer {
            try Customer.validate(externalID: externalID)
            guard let customer = try await usage.customer(app: app, externalID: externalID) else {
                throw PaymentsError.notFound(.customerNotFound, id: externalID)
            }
            return customer
        }

        func rules(_ app: App.ID) async throws -> EntitlementCache.AppRules {
            if let cached = cache.rules(app) { return cached }
            let tick = cache.tick
            let rules = try await store.read { try await $0.entitlementRules(app) }
            cache.keep(rules, of: app, readSince: tick)
            return rules
        }

        func state(of customer: Customer, rules: EntitlementCache.AppRules) async throws -> EntitlementCache.CustomerState {
            let instant = ContinuousClock.now
            if let (cached, refresh) = cache.customer(customer.id, now: instant) {
                if refresh { _ = read(customer, rules: rules, at: instant, refreshing: cached) }
                return cached
            }
            return try await read(customer, rules: rules, at: instant).value
        }

        /// The read of the customer's state under way, or a new one: of its usage only when
        /// `refreshing` an entry whose usage aged within its period (its standing is kept, as
        /// every change of it drops the entry), else of the whole state.
        private func read(
            _ customer: Customer,
            rules: EntitlementCache.AppRules,
            at instant: ContinuousClock.Instant,
            refreshing entry: EntitlementCache.CustomerState? = nil
        ) -> Task<
            EntitlementCache.CustomerState, any Error
        > {
            let (cache, store) = (cache, store)
            // Taken before the read could begin (the closure below runs under the cache's lock).
            let tick = cache.tick
            return cache.load(customer.id) {
                Task {
                    defer { cache.loaded(customer.id, readSince: tick) }
                    let now = try await store.now(of: customer.appID)
                    let state = try await store.read { session in
                        if let entry, now < entry.period.end {
                            return try await session.entitlementUsage(customer.appID, of: entry, metrics: rules.metrics, readAt: instant)
                        }
                        return try await session.entitlementState(
                            customer.appID,
                            customer: customer,
                            metrics: rules.metrics,
                            now: now,
                            readAt: instant
                        )
                    }
                    cache.keep(state, readSince: tick)
                    return state
                }
            }
        }

        func locationUsage(of customer: Customer, metric: Metric, location: String, period: UsagePeriod) async throws -> Double {
            try Entitlement.locationRule.check(location, param: "context[location_id]")
            let instant = ContinuousClock.now
            if let cached = cache.location(customer.id, metric: metric.key, location: location, now: instant) { return cached }
            let tick = cache.tick
            let value = try await store.read { session in
                try await session.usage(customer.appID).value(customer: customer.id, metric: metric, periodStart: period.start, location: location)
            }
            cache.keep(location: value, customer: customer, metric: metric.key, location: location, readSince: tick, at: instant)
            return value
        }
    }
}

extension Session {
    /// Audits a change of an override and announces the customer's entitlements.
    fileprivate func record(_ app: App.ID, _ action: AuditAction, _ override: Entitlement.Override, before: Entitlement.Override?) async throws {
        try await audit(
            app,
            try AuditRecord(
                action: action,
                targetType: .entitlementOverride,
                targetID: "\(override.customerID.rawValue)/\(override.feature)",
                snapshot: OverrideSnapshot(override, before: before)
            )
        )
        entitlementsChanged(app, customer: override.customerID)
    }
}

struct OverrideSnapshot: Encodable {
    let feature: String
    let enabled: Bool?
    let limit: Int64?
    let expires_at: String?
    let reason: String
    let before: Before?

    struct Before: Encodable {
        let enabled: Bool?
        let limit: Int64?
        let expires_at: String?
    }

    init(_ override: Entitlement.Override, before: Entitlement.Override?) {
        feature = override.feature
        enabled = override.enabled
        limit = override.limit
        expires_at = override.expiresAt.map(RFC3339.format)
        reason = override.reason
        self.before = before.map { Before(enabled: $0.enabled, limit: $0.limit, expires_at: $0.expiresAt.map(RFC3339.format)) }
    }
}

struct PolicySnapshot: Encodable {
    let rollout: String
    let enforce_after: String?
    let allowed_statuses: [String]

    init(_ policy: Entitlement.Policy) {
        rollout = policy.rollout.rawValue
        enforce_after = policy.enforceAfter.map(RFC3339.format)
        allowed_statuses = BillingStatus.allCases.filter(policy.allowed.contains).map(\.rawValue)
    }
}

struct RuleSnapshot: Encodable {
    let feature: String
    let rollout: String?
    let enforce_after: String?
    let user_roles: [String]
    let app_types: [String]
    let per_location: Bool

    init(_ rule: Entitlement.Rule) {
        feature = rule.feature
        rollout = rule.rollout?.rawValue
        enforce_after = rule.enforceAfter.map(RFC3339.format)
        user_roles = rule.userRoles
        app_types = rule.appTypes
        per_location = rule.perLocation
    }
}
