import Logging
import PaymentsDomain
import PaymentsStore

public enum Plans {}

extension Plans {
    /// The catalog: plans and prices, synced to the app's provider.
    ///
    /// Sync happens after the local change commits and again, lazily, on first use: a provider
    /// outage never loses a catalog change, and a re-sync finds what the last one made.
    public struct Service: Sendable {
        let store: Store
        let directory: Providers.Directory
        let logger: Logger
        var links: ProviderLinks { ProviderLinks(store: store) }

        public init(store: Store, directory: Providers.Directory, logger: Logger) {
            self.store = store
            self.directory = directory
            self.logger = logger
        }

        /// A plan with the provider price id of each price on the app's current provider.
        public struct Synced: Sendable {
            public let plan: Plan
            public let provider: ProviderName
            public let providerPriceIDs: [Price.ID: String]
        }

        public func create(app: App, _ draft: Plan.Draft, origin: Origin) async throws -> Synced {
            try draft.validate()
            let provider = try await directory.provider(for: app)
            try await verifyLinks(draft.prices, on: provider)
            let plan = try await store.write(origin, app: app.id) { session in
                try await session.requireMetrics(of: draft.prices, app: app.id) { "prices[\($0)][metric]" }
                let plans = session.plans(app.id)
                guard try await plans.find(key: draft.key) == nil else {
                    throw PaymentsError(
                        .conflict,
                        code: .planKeyExists,
                        message: "A plan with key '\(draft.key)' already exists.",
                        param: "key"
                    )
                }
                let plan = Plan(
                    id: session.ids.next(Plan.self, at: session.now),
                    appID: app.id,
                    key: draft.key,
                    name: draft.name,
                    description: draft.description,
                    prices: draft.prices.map { $0.price(id: session.ids.next(Price.self, at: session.now), at: session.now) },
                    trialPeriodDays: draft.trialPeriodDays,
                    gracePeriodDays: draft.gracePeriodDays,
                    features: draft.features,
                    limits: draft.limits,
                    metadata: draft.metadata,
                    active: true,
                    createdAt: session.now,
                    updatedAt: session.now
                )
                try await plans.insert(plan)
                try await session.audit(
                    app.id,
                    try AuditRecord(action: .createPlan, target: plan.id, snapshot: PlanSnapshot(plan))
                )
                // The app's features: a check of one this plan names is no longer of an unknown feature.
                session.noteEntitlementsChanged(.app(app.id))
                return plan
            }
            return try await sync(plan, on: provider, origin: origin)
        }

        public func get(app: App, key: String) async throws -> Synced {
            let plan = try await find(app: app.id, key: key)
            let provider = try await directory.provider(for: app)
            return Synced(plan: plan, provider: provider.name, providerPriceIDs: try await links.prices(of: plan, on: provider))
        }

        public func find(app: App.ID, key: String) async throws -> Plan {
            guard let plan = try await store.read({ try await $0.plans(app).find(key: key) }) else {
                throw PaymentsError.notFound(.planNotFound, id: key)
            }
            return plan
        }

        public func list(app: App, active: Bool?, _ page: PageRequest) async throws -> Page<Synced> {
            try page.requireCursor(of: Plan.self)
            let plans = try await store.read { try await $0.plans(app.id).list(active: active, page) }
            let provider = try await directory.provider(for: app)
            var synced: [Synced] = []
            for plan in plans.data {
                synced.append(Synced(plan: plan, provider: provider.name, providerPriceIDs: try await links.prices(of: plan, on: provider)))
            }
            return Page(data: synced, hasMore: plans.hasMore)
        }

        /// What a pricing page shows: the active plans with their active prices (no provider
        /// state, no metadata), newest first.
        public func publicList(app: App.ID, _ page: PageRequest) async throws -> Page<Plan> {
            try page.requireCursor(of: Plan.self)
            let plans = try await store.read { try await $0.plans(app).list(active: true, page) }
            return Page(data: plans.data.map { $0.withActivePricesOnly }, hasMore: plans.hasMore)
        }

        public func update(app: App, key: String, _ changes: Plan.Changes, origin: Origin) async throws -> Synced {
            if let drafts = changes.prices {
                try Price.Draft.validate(drafts)
                try await verifyLinks(drafts, on: try await directory.provider(for: app))
            }
            let (plan, archived) = try await store.write(origin, app: app.id) { session in
                guard var plan = try await session.plans(app.id).find(key: key) else {
                    throw PaymentsError.notFound(.planNotFound, id: key)
                }
                if let drafts = changes.prices {
                    try await session.requireMetrics(of: drafts, app: app.id) { "prices[\($0)][metric]" }
                }
                let before = plan
                let archived = try plan.apply(changes, at: session.now) { session.ids.next(Price.self, at: session.now) }
                try await session.plans(app.id).update(plan)
                if before.features != plan.features || before.limits != plan.limits {
                    // Every customer on the plan may now use more or less.
                    session.noteEntitlementsChanged(.app(app.id))
                    for customer in try await session.subscriptions(app.id).liveCustomers(plan: plan.id) {
                        session.entitlementsChanged(app.id, customer: customer)
                    }
                }
                try await session.audit(
                    app.id,
                    try AuditRecord(
                        action: changes.active == false ? .archivePlan : .updatePlan,
                        target: plan.id,
                        snapshot: PlanSnapshot(plan)
                    )
                )
                return (plan, archived)
            }
            let provider = try await directory.provider(for: app)
            if let catalog = provider as? any CatalogSync {
                let known = try await links.prices(archived, app: app.id, on: provider)
                for price in archived where price.linkedProviderPriceID == nil {
                    guard let providerID = known[price.id] else { continue }
                    do {
                        try await catalog.deactivatePrice(providerPriceID: providerID)
                    } catch {
                        logger.warning("could not deactivate a provider price", metadata: ["price": "\(providerID)", "error": "\(error)"])
                    }
                }
            }
            return try await sync(plan, on: provider, origin: origin)
        }

        /// Checks each provider price the app links: it must exist at the provider and agree.
        func verifyLinks(_ drafts: [Price.Draft], on provider: any PaymentProvider) async throws {
            guard drafts.contains(where: { $0.linkedProviderPriceID != nil }) else { return }
            let catalog = try provider.require((any CatalogSync).self, .catalog)
            for (index, draft) in drafts.enumerated() where draft.linkedProviderPriceID != nil {
                do {
                    try await catalog.verifyLinkedPrice(draft.price(id: Price.ID(rawValue: "price_linked"), at: store.clock.now()))
                } catch {
                    throw PaymentsError(
                        .invalidRequest,
                        code: .providerPriceInvalid,
                        message: error.message,
                        param: "prices[\(index)][provider_price_id]"
                    )
                }
            }
        }

        /// Archives the plan: it stays readable and its subscriptions run on, but it cannot be
        /// bought any more.
        public func archive(app: App, key: String, origin: Origin) async throws -> Synced {
            try await update(app: app, key: key, Plan.Changes(active: false), origin: origin)
        }

        /// Makes sure every active price exists at the provider. Failures are logged, not thrown:
        /// the price is synced again on first use.
        func sync(_ plan: Plan, on provider: any PaymentProvider, origin: Origin) async throws -> Synced {
            if provider is any CatalogSync, plan.active {
                for price in plan.prices where price.active {
                    do {
                        _ = try await links.price(price, of: plan, on: provider, origin: origin)
                    } catch {
                        logger.warning(
                            "catalog sync failed; will retry on first use",
                            metadata: ["plan": "\(plan.key)", "price": "\(price.key)", "error": "\(error)"]
                        )
                    }
                }
            }
            return Synced(plan: plan, provider: provider.name, providerPriceIDs: try await links.prices(of: plan, on: provider))
        }
    }
}

extension Error {
    var message: String {
        (self as? ProviderError)?.message ?? (self as? PaymentsError)?.message ?? "\(self)"
    }
}

struct PlanSnapshot: Encodable {
    struct PriceSnapshot: Encodable {
        let id: String
        let key: String
        let type: String
        let amount: Int64?
        let currency: String
        let active: Bool
    }

    let key: String
    let name: String
    let active: Bool
    let prices: [PriceSnapshot]
    let trial_period_days: Int?
    let grace_period_days: Int?
    let features: [String]
    let limits: [String: Int64]

    init(_ plan: Plan) {
        key = plan.key
        name = plan.name
        active = plan.active
        prices = plan.prices.map { price in
            let amount: Int64? =
                switch price.terms {
                case .oneTime(let money), .recurring(let money, _): money.amount
                case .metered(let metered): metered.unitAmount
                }
            return PriceSnapshot(
                id: price.id.rawValue,
                key: price.key,
                type: price.terms.type,
                amount: amount,
                currency: price.currency.rawValue,
                active: price.active
            )
        }
        trial_period_days = plan.trialPeriodDays
        grace_period_days = plan.gracePeriodDays
        features = plan.features
        limits = plan.limits
    }
}

extension Plan {
    /// The plan with the prices that can still be bought.
    var withActivePricesOnly: Plan {
        var plan = self
        plan.prices = prices.filter(\.active)
        return plan
    }
}
