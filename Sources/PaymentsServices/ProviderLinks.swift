import PaymentsDomain
import PaymentsStore

/// Finds or makes the provider's twin of one of our objects (a customer, a catalog price) and
/// remembers it per provider account, so it is made once.
struct ProviderLinks: Sendable {
    let store: Store

    /// The provider's customer for `customer`, created on first use. The idempotency key is
    /// derived from the customer and account, so two racing requests make one provider customer.
    func customer(_ customer: Customer, on provider: some PaymentProvider, origin: Origin) async throws -> String {
        let app = customer.appID
        if let known = try await store.read({
            try await $0.providerObjects(app).find(provider: provider.name, account: provider.account, objectID: customer.id.rawValue)
        }) {
            return known
        }
        let provisioning = try provider.require((any CustomerProvisioning).self, .customers)
        let made = try await provisioning.createCustomer(customer, idempotencyKey: "customer-\(customer.id.rawValue)-\(provider.account)")
        return try await remember(
            app: app,
            objectID: customer.id.rawValue,
            providerID: made,
            provider: provider,
            targetType: .customer,
            origin: origin
        )
    }

    /// The provider's price for `price`: the one the app linked, or one synced from the catalog.
    func price(_ price: Price, of plan: Plan, on provider: some PaymentProvider, origin: Origin) async throws -> String {
        if let known = try await store.read({
            try await $0.providerObjects(plan.appID).find(provider: provider.name, account: provider.account, objectID: price.id.rawValue)
        }) {
            return known
        }
        let catalog = try provider.require((any CatalogSync).self, .catalog)
        let providerID: String
        if let linked = price.linkedProviderPriceID {
            try await catalog.verifyLinkedPrice(price)
            providerID = linked
        } else {
            providerID = try await catalog.syncPrice(price, of: plan)
        }
        return try await remember(
            app: plan.appID,
            objectID: price.id.rawValue,
            providerID: providerID,
            provider: provider,
            targetType: .price,
            origin: origin
        )
    }

    /// The provider price id recorded for each of `plan`'s prices, where one is.
    func prices(of plan: Plan, on provider: some PaymentProvider) async throws -> [Price.ID: String] {
        try await prices(plan.prices, app: plan.appID, on: provider)
    }

    func prices(_ prices: [Price], app: App.ID, on provider: some PaymentProvider) async throws -> [Price.ID: String] {
        try await store.read { session in
            var result: [Price.ID: String] = [:]
            for price in prices {
                result[price.id] = try await session.providerObjects(app).find(
                    provider: provider.name,
                    account: provider.account,
                    objectID: price.id.rawValue
                )
            }
            return result
        }
    }

    /// Our price for a provider price id (to read back what the provider reports).
    func ourPrice(providerPriceID: String, app: App.ID, on provider: some PaymentProvider) async throws -> Price.ID? {
        try await store.read {
            try await $0.providerObjects(app).objectID(provider: provider.name, account: provider.account, providerObjectID: providerPriceID)
        }.map(Price.ID.init(rawValue:))
    }

    private func remember(
        app: App.ID,
        objectID: String,
        providerID: String,
        provider: some PaymentProvider,
        targetType: ResourceType,
        origin: Origin
    ) async throws -> String {
        try await store.write(origin, app: app) { session in
            let recorded = try await session.providerObjects(app).remember(
                provider: provider.name,
                account: provider.account,
                objectID: objectID,
                providerObjectID: providerID
            )
            try await session.audit(
                app,
                try AuditRecord(
                    action: .linkProviderObject,
                    targetType: targetType,
                    targetID: objectID,
                    snapshot: ["provider": provider.name.rawValue, "account": provider.account, "provider_id": recorded]
                )
            )
            return recorded
        }
    }
}
