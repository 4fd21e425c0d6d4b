import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Import {
    /// The metadata key of a provider's product naming the plan key it becomes (else its id).
    public static let planKeyMetadata = "payments_plan_key"
    /// The catalog's limit of prices on one plan.
    static let pricesPerPlan = 20
}

extension Import.Service {
    /// The catalog: every product becomes a plan (found by its link, or by the key its metadata
    /// names, or made) and every price one of its prices, linked to the provider's by id, so a
    /// subscription on it is known and checkout can sell it. A product the service synced itself
    /// is its plan already. Prices the catalog cannot state (tiered, metered, weekly) are listed
    /// with the reason, not guessed: add them by hand and link them.
    func importCatalog(
        app: App,
        _ account: any AccountDirectory,
        _ options: Import.Options,
        into report: inout Import.Report,
        planned: inout Import.Planned,
        progress: @Sendable (Import.Object, Int) -> Void
    ) async throws {
        var products: [ProviderProductRecord] = []
        var after: String?
        repeat {
            let page = try await account.productsPage(after: after, limit: options.pageSize)
            products += page.objects
            progress(.products, products.count)
            after = page.more ? page.last : nil
        } while after != nil
        var prices: [String: [ProviderPriceRecord]] = [:]
        var read = 0
        after = nil
        repeat {
            let page = try await account.pricesPage(after: after, limit: options.pageSize)
            for price in page.objects { prices[price.product, default: []].append(price) }
            read += page.objects.count
            progress(.prices, read)
            after = page.more ? page.last : nil
        } while after != nil
        for product in products {
            let lines = try await bringIn(
                product: product,
                prices: prices.removeValue(forKey: product.id) ?? [],
                app: app,
                provider: account,
                options
            )
            if options.dryRun {
                for line in lines where line.object == .prices && line.outcome != .skipped { planned.prices.insert(line.providerID) }
            }
            report.lines += lines
        }
        // Prices of products the account did not list (deleted ones).
        for (product, orphans) in prices.sorted(by: { $0.key < $1.key }) {
            report.lines += orphans.map { .skipped(.prices, $0.id, "its product \(product.isEmpty ? "(none)" : product) is not in the account") }
        }
    }

    /// One product and its prices: the plan's line first, then each price's.
    func bringIn(
        product: ProviderProductRecord,
        prices: [ProviderPriceRecord],
        app: App,
        provider: any PaymentProvider,
        _ options: Import.Options
    ) async throws -> [Import.Line] {
        let links = { (id: String) in
            try await self.store.read {
                try await $0.providerObjects(app.id).objectID(provider: provider.name, account: provider.account, providerObjectID: id)
            }
        }
        // The plan: linked by an earlier run, synced by the service (`payments_plan_...`), or by key.
        var plan: Plan?
        var productOutcome: Import.Outcome = .unchanged
        if let linked = try await links(product.id) {
            plan = try await store.read { try await $0.plans(app.id).find(id: Plan.ID(rawValue: linked)) }
        } else if product.id.hasPrefix("payments_\(Plan.idPrefix)_") {
            plan = try await store.read { try await $0.plans(app.id).find(id: Plan.ID(rawValue: String(product.id.dropFirst("payments_".count)))) }
        }
        let key = product.metadata[Import.planKeyMetadata] ?? product.id
        if plan == nil, let other = Import.otherApp(product.metadata, app) {
            return [.skipped(.products, product.id, other)] + prices.map { .skipped(.prices, $0.id, other) }
        }
        if plan == nil {
            do {
                try Plan.validate(key: key, param: "key")
            } catch {
                let reason = "plan key '\(key)' (metadata[\(Import.planKeyMetadata)] or the product's id): \(error.message)"
                return [.skipped(.products, product.id, reason)] + prices.map { .skipped(.prices, $0.id, "its product \(product.id) was skipped") }
            }
            plan = try await store.read { try await $0.plans(app.id).find(key: key) }
            if let plan,
                let other = try await store.read({
                    try await $0.providerObjects(app.id).find(provider: provider.name, account: provider.account, objectID: plan.id.rawValue)
                })
            {
                let reason = "plan \(key) is linked to product \(other) already"
                return [.skipped(.products, product.id, ours: key, reason)] + prices.map { .skipped(.prices, $0.id, reason) }
            }
            productOutcome = plan == nil ? .created : .linked
        }
        // Each price: linked already, or to be added to the plan.
        var lines: [Import.Line] = []
        var additions: [(ProviderPriceRecord, Price.Terms, String)] = []
        var keys = Set(plan?.prices.map(\.key) ?? [])
        for price in prices {
            if let linked = try await links(price.id) {
                lines.append(Import.Line(.prices, price.id, ours: plan?.prices.first { $0.id.rawValue == linked }?.key ?? linked, .unchanged))
                continue
            }
            if let same = plan?.prices.first(where: { $0.linkedProviderPriceID == price.id }) {
                additions.append((price, same.terms, same.key))  // linked by the app, not yet remembered
                continue
            }
            if let other = Import.otherApp(price.metadata, app) {
                lines.append(.skipped(.prices, price.id, other))
                continue
            }
            let terms: Price.Terms
            switch price.terms {
            case .success(let stated): terms = stated
            case .failure(let problem):
                lines.append(.skipped(.prices, price.id, problem.message))
                continue
            }
            let priceKey = [price.lookupKey, price.id].compactMap { $0 }.first { candidate in
                (try? Plan.validate(key: candidate, param: "key")) != nil && !keys.contains(candidate)
            }
            guard let priceKey else {
                lines.append(.skipped(.prices, price.id, "neither its lookup key nor its id is free to be a price key on plan \(key)"))
                continue
            }
            guard keys.count < Import.pricesPerPlan else {
                lines.append(.skipped(.prices, price.id, "plan \(key) holds \(Import.pricesPerPlan) prices already"))
                continue
            }
            keys.insert(priceKey)
            additions.append((price, terms, priceKey))
        }
        if plan == nil, additions.isEmpty {
            return [.skipped(.products, product.id, ours: key, "none of its prices can be brought in")] + lines
        }
        let productLine = Import.Line(.products, product.id, ours: plan?.key ?? key, productOutcome)
        if additions.isEmpty, productOutcome == .unchanged { return [productLine] + lines }
        let ownKeys = Set(plan?.prices.map(\.key) ?? [])
        let added = additions.map { addition in
            Import.Line(.prices, addition.0.id, ours: addition.2, ownKeys.contains(addition.2) ? .linked : .created)
        }
        guard !options.dryRun else { return [productLine] + lines + added }
        try await store.write(.system, app: app.id) { [plan, additions] session in
            var stored: Plan
            if let plan, let current = try await session.plans(app.id).find(id: plan.id) {
                stored = current
            } else {
                stored = Plan(
                    id: session.ids.next(Plan.self, at: session.now),
                    appID: app.id,
                    key: key,
                    name: String(product.name.prefix(255)),
                    description: product.description.map { String($0.prefix(5000)) },
                    prices: [],
                    trialPeriodDays: nil,
                    gracePeriodDays: nil,
                    features: [],
                    limits: [:],
                    metadata: Import.origin(provider, product.id),
                    active: product.active,
                    createdAt: session.now,
                    updatedAt: session.now
                )
            }
            var remembered: [(String, String)] = [(stored.id.rawValue, product.id)]
            for (price, terms, priceKey) in additions {
                if let same = stored.prices.first(where: { $0.key == priceKey && $0.linkedProviderPriceID == price.id }) {
                    remembered.append((same.id.rawValue, price.id))
                    continue
                }
                let made = Price(
                    id: session.ids.next(Price.self, at: session.now),
                    key: priceKey,
                    terms: terms,
                    linkedProviderPriceID: price.id,
                    active: price.active,
                    createdAt: session.now
                )
                stored.prices.append(made)
                remembered.append((made.id.rawValue, price.id))
            }
            stored.updatedAt = session.now
            if plan == nil {
                try await session.plans(app.id).insert(stored)
            } else {
                try await session.plans(app.id).update(stored)
            }
            for (ours, theirs) in remembered {
                _ = try await session.providerObjects(app.id).remember(
                    provider: provider.name,
                    account: provider.account,
                    objectID: ours,
                    providerObjectID: theirs
                )
            }
            try await session.audit(app.id, try AuditRecord(action: .importPlan, target: stored.id, snapshot: PlanSnapshot(stored)))
            session.noteEntitlementsChanged(.app(app.id))
            for customer in try await session.subscriptions(app.id).liveCustomers(plan: stored.id) {
                if options.emitEvents {
                    session.entitlementsChanged(app.id, customer: customer)
                } else {
                    session.noteEntitlementsChanged(.customer(app.id, customer))
                }
            }
        }
        return [productLine] + lines + added
    }
}
