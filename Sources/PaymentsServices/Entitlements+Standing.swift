import PaymentsContract
import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Entitlements {
    /// Every feature and limit of a customer at once, as an app caches it per session: each
    /// evaluated for no more than the customer has (quantity 0), whatever the role or app type
    /// (a rule's restrictions are shown beside it).
    public struct CustomerEntitlements: Sendable {
        public struct Feature: Sendable {
            public let decision: Entitlement.Decision
            public let rule: Entitlement.Rule?
            public let override: Entitlement.Override?
            public let inPlan: Bool
        }

        public let customer: Customer
        public let status: BillingStatus
        public let planKey: String?
        public let period: UsagePeriod
        public let features: [Feature]
    }
}

extension Session {
    /// What a check of any customer of `app` reads: its policy, rules, known features, metrics.
    func entitlementRules(_ app: App.ID) async throws -> EntitlementCache.AppRules {
        let repository = entitlements(app)
        let rules = try await repository.rules()
        let metrics = try await metrics(app).all()
        return EntitlementCache.AppRules(
            policy: try await repository.policy(),
            rules: Dictionary(uniqueKeysWithValues: rules.map { ($0.feature, $0) }),
            known: try await repository.planFeatures().union(rules.map(\.feature)),
            metrics: Dictionary(uniqueKeysWithValues: metrics.map { ($0.key, $0) })
        )
    }

    /// The customer's standing (billing status, plan, overrides) and usage of the metrics its
    /// limits name, at `now` on the app's clock.
    func entitlementState(
        _ app: App.ID,
        customer: Customer,
        metrics: [String: Metric],
        now: Date,
        readAt: ContinuousClock.Instant
    ) async throws -> EntitlementCache.CustomerState {
        let page = try PageRequest(limit: PageRequest.maximumLimit)
        let subscriptions = try await subscriptions(app).list(customer: customer.id, status: nil, page).data
        let current = BillingStatus.current(of: subscriptions)
        let grace = try await gracePeriods(app).list(customer: customer.id, status: .open, try PageRequest(limit: 1)).data.first
        let plan: Plan? = if let current { try await plans(app).find(id: current.planID) } else { nil }
        let overrides = try await entitlements(app).overrides(customer: customer.id)
        let standing = Entitlement.Standing(
            customerID: customer.id,
            customerCreatedAt: customer.createdAt,
            status: BillingStatus(of: current, grace: grace),
            planKey: plan?.key,
            features: Set(plan?.features ?? []),
            limits: plan?.limits ?? [:],
            overrides: Dictionary(uniqueKeysWithValues: overrides.map { ($0.feature, $0) })
        )
        let read = try await usage(app, of: customer, metric: nil, window: .current, now: now)
        let counted = Self.counted(standing, metrics: metrics)
        return EntitlementCache.CustomerState(
            customer: customer,
            standing: standing,
            period: read.period,
            usage: try await limitUsage(app, customer: customer.id, read, counted: counted),
            countsUsage: !counted.isEmpty,
            readAt: readAt
        )
    }

    /// `state` with its usage read again and its standing kept: what a cached entry needs when
    /// only its usage has aged (a change of standing is announced to every instance, usage is
    /// not): two statements, where the whole read takes eight.
    func entitlementUsage(
        _ app: App.ID,
        of state: EntitlementCache.CustomerState,
        metrics: [String: Metric],
        readAt: ContinuousClock.Instant
    ) async throws -> EntitlementCache.CustomerState {
        let period = state.period
        let read = try await usage(app, of: state.customer, metric: nil, period: period, placement: .init(anchor: nil, plan: nil))
        return EntitlementCache.CustomerState(
            customer: state.customer,
            standing: state.standing,
            period: period,
            usage: try await limitUsage(app, customer: state.customer.id, read, counted: Self.counted(state.standing, metrics: metrics)),
            countsUsage: state.countsUsage,
            readAt: readAt
        )
    }

    /// The metrics the customer's limits (the plan's and the overrides') count.
    private static func counted(_ standing: Entitlement.Standing, metrics: [String: Metric]) -> Set<String> {
        let limited = Set(standing.limits.keys).union(standing.overrides.values.compactMap { $0.limit == nil ? nil : $0.feature })
        return limited.filter { metrics[$0] != nil }
    }

    /// The usage each counted metric's limit is compared with.
    private func limitUsage(_ app: App.ID, customer: Customer.ID, _ read: Usage.CustomerUsage, counted: Set<String>) async throws -> [String: Double]
    {
        var usage: [String: Double] = [:]
        for metric in read.metrics where counted.contains(metric.metric.key) {
            usage[metric.metric.key] = metric.value
            // A gauge holds until it is set again: not set this period, it is what it was last set to.
            if metric.metric.aggregation == .last, metric.events == 0,
                let earlier = try await self.usage(app).lastValue(customer: customer, metric: metric.metric.key, before: read.period.start)
            {
                usage[metric.metric.key] = earlier
            }
        }
        return usage
    }

    /// Records that the customer's entitlements changed in this transaction: caches drop them at
    /// commit, and an `entitlements.changed` event carrying them as they are at the end of the
    /// transaction goes to the app (once, however many changes the transaction made).
    func entitlementsChanged(_ app: App.ID, customer: Customer.ID) {
        noteEntitlementsChanged(.customer(app, customer))
        beforeCommit("entitlements.changed \(customer.rawValue)") { session in
            guard let customer = try await session.customers(app).find(id: customer) else { return }
            let rules = try await session.entitlementRules(app)
            let state = try await session.entitlementState(app, customer: customer, metrics: rules.metrics, now: session.now, readAt: .now)
            let view = Entitlements.view(state, rules: rules, now: session.now)
            try await session.emit(
                app,
                .entitlementsChanged,
                Resources.customerEntitlements,
                view,
                id: customer.id.rawValue,
                customer: customer.id,
                type: .customer
            )
        }
    }
}

extension Entitlements {
    /// Every feature the customer's plan, overrides and the app's rules name, evaluated.
    static func view(_ state: EntitlementCache.CustomerState, rules: EntitlementCache.AppRules, now: Date) -> CustomerEntitlements {
        let standing = state.standing
        let names = Set(standing.features).union(standing.limits.keys).union(standing.overrides.keys).union(rules.rules.keys)
        let features = names.sorted().map { feature in
            let rule = rules.rules[feature]
            // Shown for any role and app type: the restrictions are listed beside.
            var open = rule
            open?.userRoles = []
            open?.appTypes = []
            let decision = Entitlement.evaluate(
                feature: feature,
                quantity: 0,
                context: Entitlement.Context(),
                standing: standing,
                policy: rules.policy,
                rule: open,
                known: true,
                usage: rule?.perLocation == true ? nil : state.usage[feature],
                now: now
            )
            return CustomerEntitlements.Feature(
                decision: decision,
                rule: rule,
                override: standing.overrides[feature],
                inPlan: standing.features.contains(feature) || standing.limits[feature] != nil
            )
        }
        return CustomerEntitlements(
            customer: state.customer,
            status: standing.status,
            planKey: standing.planKey,
            period: state.period,
            features: features
        )
    }
}
