import PaymentsContract
import PaymentsDomain

extension Resources {
    /// A price with the provider's id for it on the app's current provider.
    public struct PriceView: Sendable {
        public let price: Price
        public let providerPriceID: String?
    }

    public static let price = Resource<PriceView>("Price", object: "price") {
        Field("id", \.price.id)
        priceTerms
        Field("active", \.price.active)
        Field(
            "provider_price_id",
            { $0.providerPriceID ?? $0.price.linkedProviderPriceID },
            description: "The price at the app's current provider once synced, or the one the app linked"
        )
        Field("created_at", \.price.createdAt)
    }

    /// What a price costs: shown to the app and on a pricing page alike.
    @FieldsBuilder<PriceView>
    static var priceTerms: [Field<PriceView>] {
        Field("key", \.price.key)
        Field("type", \.price.terms.kind)
        Field("amount", \.amount)
        Field("currency", \.price.currency)
        Field("interval", \.interval?.unit)
        Field("interval_count", \.interval?.count)
        Field("metric", \.metered?.metric)
        Field("unit_amount", \.metered?.unitAmount)
        Field("tiers_mode", \.metered?.tiers?.mode)
        Field("tiers", \.metered?.tiers?.tiers, tier.codec.list.nullable)
        Field("included_quantity", \.metered?.includedQuantity)
    }

    static let tier = Resource<Metered.Tier>(nil) {
        Field("up_to", \.upTo, description: "null: no upper bound (the last tier)")
        Field("unit_amount", \.unitAmount)
        Field("flat_amount", \.flatAmount)
    }

    /// A price as a pricing page shows it: what it costs, no ids.
    static let publicPrice = Resource<PriceView>("PublicPrice", object: "price") { priceTerms }

    public static let publicPlan = Resource<Plan>("PublicPlan", object: "plan") {
        Field("key", \.key)
        Field("name", \.name)
        Field("description", \.description)
        Field(
            "prices",
            { $0.prices.map { PriceView(price: $0, providerPriceID: nil) } },
            publicPrice.codec.list,
            description: "The prices on sale"
        )
        Field("trial_period_days", \.trialPeriodDays)
        Field("features", \.features)
        Field("limits", \.limits)
    }

    public static let plan = Resource<Plans.Service.Synced>("Plan", object: "plan") {
        Field("id", \.plan.id)
        Field("key", \.plan.key)
        Field("name", \.plan.name)
        Field("description", \.plan.description)
        Field("active", \.plan.active)
        Field(
            "prices",
            { synced in synced.plan.prices.map { PriceView(price: $0, providerPriceID: synced.providerPriceIDs[$0.id]) } },
            price.codec.list
        )
        Field("trial_period_days", \.plan.trialPeriodDays)
        Field("grace_period_days", \.plan.gracePeriodDays)
        Field("features", \.plan.features)
        Field("limits", \.plan.limits)
        Field("metadata", \.plan.metadata)
        Field("provider", \.provider)
        Field("created_at", \.plan.createdAt)
        Field("updated_at", \.plan.updatedAt)
    }
}

extension Resources.PriceView {
    var amount: Int64? {
        switch price.terms {
        case .oneTime(let money), .recurring(let money, _): money.amount
        case .metered: nil
        }
    }

    var interval: BillingInterval? {
        switch price.terms {
        case .oneTime: nil
        case .recurring(_, let interval): interval
        case .metered(let metered): metered.interval
        }
    }

    var metered: Metered? {
        if case .metered(let metered) = price.terms { return metered }
        return nil
    }
}
