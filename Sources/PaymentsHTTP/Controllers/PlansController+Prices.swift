import PaymentsContract
import PaymentsDomain

extension PlansController {
    /// One price in a request: one of three shapes, told apart by `type`.
    struct PriceInput: Sendable {
        var key = ""
        var kind: Price.Kind
        var amount: Int64?
        var currency = Currency.usd
        var interval: BillingInterval.Unit?
        var intervalCount: Int?
        var metric: String?
        var unitAmount: Int64?
        var tiersMode: Metered.Tiers.Mode?
        var tiers: [Metered.Tier]?
        var includedQuantity: Int64?
        var providerPriceID: String?

        static let rule: Rule<Price.Draft> = Rule.oneOf(
            "PriceInput",
            noun: "price",
            discriminator: "type",
            [("one_time", oneTime), ("recurring", recurring), ("metered", metered)]
        ).then { input, path throws(PaymentsError) in try input.draft(at: path) }

        static let oneTime = Shape<PriceInput>(nil, make: { PriceInput(kind: .oneTime) }) {
            common()
            Required("amount", \.amount, .integer(Money.amountRule), description: "Minor units (cents; yen for jpy)")
        }

        static let recurring = Shape<PriceInput>(nil, make: { PriceInput(kind: .recurring) }) {
            common()
            Required("amount", \.amount, .integer(Money.amountRule), description: "Minor units (cents; yen for jpy)")
            Required("interval", \.interval, .enumeration)
            Omittable("interval_count", \.intervalCount, .integer(BillingInterval.countRule), description: "At most 12 months or 1 year")
        }

        static let metered = Shape<PriceInput>(nil, make: { PriceInput(kind: .metered) }) {
            common()
            Required("interval", \.interval, .enumeration)
            Omittable("interval_count", \.intervalCount, .integer(BillingInterval.countRule), description: "At most 12 months or 1 year")
            Required("metric", \.metric, .text(Plan.keyRule))
            Omittable("unit_amount", \.unitAmount, .integer(Money.amountRule), description: "Minor units per unit; or tiers")
            Omittable("tiers_mode", \.tiersMode, .enumeration)
            Omittable("tiers", \.tiers, .list(tier, count: Metered.tierCount))
            Omittable("included_quantity", \.includedQuantity, .integer(Metered.includedQuantityRule), description: "Units free each period")
        }

        /// What every kind of price has.
        @InputsBuilder<PriceInput>
        static func common() -> [Input<PriceInput>] {
            Required("key", \.key, .text(Plan.keyRule))
            Required("currency", \.currency, .currency)
            Omittable(
                "provider_price_id",
                \.providerPriceID,
                .text(Price.providerPriceIDRule),
                description: "Link a price that exists at the provider instead of making one"
            )
        }

        static let tier: Rule<Metered.Tier> = Shape<TierInput>(nil) {
            Nullable("up_to", \.upTo, .integer(Metered.upToRule), description: "null: no upper bound (the last tier)")
            Omittable("unit_amount", \.unitAmount, .integer(Money.amountRule))
            Omittable("flat_amount", \.flatAmount, .integer(Money.amountRule))
        }.rule.then { input, _ in Metered.Tier(upTo: input.upTo, unitAmount: input.unitAmount ?? 0, flatAmount: input.flatAmount ?? 0) }

        struct TierInput: APIInput {
            var upTo: Int64?
            var unitAmount: Int64?
            var flatAmount: Int64?

            static let shape = Shape<Self>(nil) {}
        }

        /// The price as the domain takes it; what depends on more than one field is checked here.
        func draft(at path: JSONPath) throws(PaymentsError) -> Price.Draft {
            let terms: Price.Terms
            switch kind {
            case .oneTime:
                terms = .oneTime(Money(amount ?? 0, currency))
            case .recurring:
                terms = .recurring(Money(amount ?? 0, currency), BillingInterval(interval ?? .month, count: intervalCount ?? 1))
            case .metered:
                var tiered: Metered.Tiers?
                if let tiers {
                    guard let tiersMode else { throw .missing(path.appending("tiers_mode").param) }
                    tiered = Metered.Tiers(mode: tiersMode, tiers: tiers)
                } else if tiersMode != nil {
                    throw .invalid(path.appending("tiers_mode").param, "tiers_mode applies only with tiers.")
                }
                terms = .metered(
                    Metered(
                        metric: metric ?? "",
                        currency: currency,
                        interval: BillingInterval(interval ?? .month, count: intervalCount ?? 1),
                        unitAmount: unitAmount,
                        tiers: tiered,
                        includedQuantity: includedQuantity ?? 0
                    )
                )
            }
            return Price.Draft(key: key, terms: terms, linkedProviderPriceID: providerPriceID)
        }
    }
}
