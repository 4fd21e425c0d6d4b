import Hummingbird
import PaymentsDomain
import PaymentsServices

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/v1/plans`: the app's catalog.
struct PlansController {
    let plans: Plans.Service

    func addRoutes(to routes: Routes) {
        routes.add(.post, "plans", create)
        routes.add(.get, "plans", list)
        routes.add(.get, "plans/:key", get)
        routes.add(.patch, "plans/:key", update)
        routes.add(.delete, "plans/:key", archive)
    }

    @Sendable func create(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        let body = try await APIDecoding.decodeStrict(CreateRequest.self, from: request)
        let draft = Plan.Draft(
            key: body.key, name: body.name, description: body.description, prices: try body.prices.map { try $0.draft() },
            trialPeriodDays: body.trial_period_days, gracePeriodDays: body.grace_period_days, features: body.features ?? [],
            limits: body.limits ?? [:], metadata: body.metadata ?? [:])
        let plan = try await plans.create(app: app, draft, origin: context.origin)
        return try APIEncoding.response(PlanResponse(plan), status: .created)
    }

    @Sendable func list(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        var query = QueryReader(request)
        let page = try query.page()
        let active: Bool?
        switch query.string("active") {
        case nil: active = nil
        case "true": active = true
        case "false": active = false
        default: throw PaymentsError.invalid("active", "active must be true or false.")
        }
        try query.finish()
        return try APIEncoding.response(ListResponse(try await plans.list(app: app, active: active, page), PlanResponse.init))
    }

    @Sendable func get(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        try QueryReader(request).finish()
        return try APIEncoding.response(PlanResponse(try await plans.get(app: app, key: try context.parameters.decoded("key"))))
    }

    @Sendable func update(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        let body = try await APIDecoding.decode(UpdateRequest.self, from: request)
        let plan = try await plans.update(app: app, key: try context.parameters.decoded("key"), body.changes, origin: context.origin)
        return try APIEncoding.response(PlanResponse(plan))
    }

    @Sendable func archive(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        try QueryReader(request).finish()
        let plan = try await plans.archive(app: app, key: try context.parameters.decoded("key"), origin: context.origin)
        return try APIEncoding.response(PlanResponse(plan))
    }

    struct CreateRequest: StrictDecodable {
        let key: String
        let name: String
        let description: String?
        let prices: [PriceBody]
        let trial_period_days: Int?
        let grace_period_days: Int?
        let features: [String]?
        let limits: [String: Int64]?
        let metadata: [String: String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case key, name, description, prices, trial_period_days, grace_period_days, features, limits, metadata
        }
    }

    /// `PATCH`: absent fields stay; `null` clears the optional ones; `prices` replaces the list.
    struct UpdateRequest: Decodable {
        let changes: Plan.Changes

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, description, prices, trial_period_days, grace_period_days, features, limits, metadata, active
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            changes = Plan.Changes(
                name: try container.decodeIfPresent(String.self, forKey: .name),
                description: try container.decodePatch(String.self, forKey: .description),
                prices: try container.decodeIfPresent([PriceBody].self, forKey: .prices)?.map { try $0.draft() },
                trialPeriodDays: try container.decodePatch(Int.self, forKey: .trial_period_days),
                gracePeriodDays: try container.decodePatch(Int.self, forKey: .grace_period_days),
                features: try container.decodeIfPresent([String].self, forKey: .features),
                limits: try container.decodeIfPresent([String: Int64].self, forKey: .limits),
                metadata: try container.decodeIfPresent([String: String].self, forKey: .metadata),
                active: try container.decodeIfPresent(Bool.self, forKey: .active))
        }
    }

    /// One price in a request. Which fields apply depends on `type`.
    struct PriceBody: Decodable {
        let key: String
        let type: String
        let amount: Int64?
        let currency: String
        let interval: String?
        let interval_count: Int?
        let metric: String?
        let unit_amount: Int64?
        let tiers_mode: String?
        let tiers: [TierBody]?
        let included_quantity: Int64?
        let provider_price_id: String?
        /// Where this price sits in the request, for error messages.
        let path: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case key, type, amount, currency, interval, interval_count, metric, unit_amount, tiers_mode, tiers,
                included_quantity, provider_price_id
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            key = try c.decode(String.self, forKey: .key)
            type = try c.decode(String.self, forKey: .type)
            amount = try c.decodePresent(Int64.self, forKey: .amount)
            currency = try c.decode(String.self, forKey: .currency)
            interval = try c.decodePresent(String.self, forKey: .interval)
            interval_count = try c.decodePresent(Int.self, forKey: .interval_count)
            metric = try c.decodePresent(String.self, forKey: .metric)
            unit_amount = try c.decodePresent(Int64.self, forKey: .unit_amount)
            tiers_mode = try c.decodePresent(String.self, forKey: .tiers_mode)
            tiers = try c.decodePresent([TierBody].self, forKey: .tiers)
            included_quantity = try c.decodePresent(Int64.self, forKey: .included_quantity)
            provider_price_id = try c.decodePresent(String.self, forKey: .provider_price_id)
            path = APIDecoding.param(decoder.codingPath)
        }

        func draft() throws -> Price.Draft {
            let currency = try Currency.parse(currency, param: "\(path)[currency]")
            func refuse(_ field: CodingKeys, _ present: Bool) throws {
                if present {
                    throw PaymentsError.invalid("\(path)[\(field.rawValue)]", "\(field.rawValue) does not apply to a \(type) price.")
                }
            }
            func interval() throws -> BillingInterval {
                guard let raw = self.interval else { throw PaymentsError.missing("\(path)[interval]") }
                guard let unit = BillingInterval.Unit(rawValue: raw) else {
                    throw PaymentsError.invalid("\(path)[interval]", "interval must be month or year.")
                }
                return BillingInterval(unit, count: interval_count ?? 1)
            }
            let terms: Price.Terms
            switch type {
            case "one_time":
                try refuse(.interval, self.interval != nil)
                try refuse(.interval_count, interval_count != nil)
                try refuse(.metric, metric != nil)
                try refuse(.unit_amount, unit_amount != nil)
                try refuse(.tiers, tiers != nil)
                try refuse(.tiers_mode, tiers_mode != nil)
                try refuse(.included_quantity, included_quantity != nil)
                guard let amount else { throw PaymentsError.missing("\(path)[amount]") }
                terms = .oneTime(Money(amount, currency))
            case "recurring":
                try refuse(.metric, metric != nil)
                try refuse(.unit_amount, unit_amount != nil)
                try refuse(.tiers, tiers != nil)
                try refuse(.tiers_mode, tiers_mode != nil)
                try refuse(.included_quantity, included_quantity != nil)
                guard let amount else { throw PaymentsError.missing("\(path)[amount]") }
                terms = .recurring(Money(amount, currency), try interval())
            case "metered":
                try refuse(.amount, amount != nil)
                guard let metric else { throw PaymentsError.missing("\(path)[metric]") }
                var tiered: Metered.Tiers?
                if let tiers {
                    guard let rawMode = tiers_mode else { throw PaymentsError.missing("\(path)[tiers_mode]") }
                    guard let mode = Metered.Tiers.Mode(rawValue: rawMode) else {
                        throw PaymentsError.invalid("\(path)[tiers_mode]", "tiers_mode must be graduated or volume.")
                    }
                    tiered = Metered.Tiers(
                        mode: mode,
                        tiers: tiers.map { Metered.Tier(upTo: $0.up_to, unitAmount: $0.unit_amount ?? 0, flatAmount: $0.flat_amount ?? 0) })
                } else {
                    try refuse(.tiers_mode, tiers_mode != nil)
                }
                terms = .metered(
                    Metered(
                        metric: metric, currency: currency, interval: try interval(), unitAmount: unit_amount, tiers: tiered,
                        includedQuantity: included_quantity ?? 0))
            default:
                throw PaymentsError.invalid("\(path)[type]", "type must be one_time, recurring or metered.")
            }
            return Price.Draft(key: key, terms: terms, linkedProviderPriceID: provider_price_id)
        }
    }

    struct TierBody: StrictDecodable {
        let up_to: Int64?
        let unit_amount: Int64?
        let flat_amount: Int64?

        enum CodingKeys: String, CodingKey, CaseIterable { case up_to, unit_amount, flat_amount }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            up_to = try c.decodeIfPresent(Int64.self, forKey: .up_to)
            unit_amount = try c.decodePresent(Int64.self, forKey: .unit_amount)
            flat_amount = try c.decodePresent(Int64.self, forKey: .flat_amount)
        }
    }
}

struct PlanResponse: Encodable, Sendable {
    let id: String
    let object = "plan"
    let key: String
    let name: String
    @Nullable var description: String?
    let active: Bool
    let prices: [PriceResponse]
    @Nullable var trial_period_days: Int?
    @Nullable var grace_period_days: Int?
    let features: [String]
    let limits: [String: Int64]
    let metadata: [String: String]
    let provider: String
    let created_at: Date
    let updated_at: Date

    init(_ synced: Plans.Service.Synced) {
        let plan = synced.plan
        id = plan.id.rawValue
        key = plan.key
        name = plan.name
        description = plan.description
        active = plan.active
        prices = plan.prices.map { PriceResponse($0, providerPriceID: synced.providerPriceIDs[$0.id]) }
        trial_period_days = plan.trialPeriodDays
        grace_period_days = plan.gracePeriodDays
        features = plan.features
        limits = plan.limits
        metadata = plan.metadata
        provider = synced.provider.rawValue
        created_at = plan.createdAt
        updated_at = plan.updatedAt
    }
}

struct PriceResponse: Encodable, Sendable {
    struct TierResponse: Encodable, Sendable {
        @Nullable var up_to: Int64?
        let unit_amount: Int64
        let flat_amount: Int64
    }

    let id: String
    let object = "price"
    let key: String
    let type: String
    @Nullable var amount: Int64?
    let currency: String
    @Nullable var interval: String?
    @Nullable var interval_count: Int?
    @Nullable var metric: String?
    @Nullable var unit_amount: Int64?
    @Nullable var tiers_mode: String?
    @Nullable var tiers: [TierResponse]?
    @Nullable var included_quantity: Int64?
    let active: Bool
    /// The provider's price on the app's current provider, once synced (or the one the app linked).
    @Nullable var provider_price_id: String?
    let created_at: Date

    init(_ price: Price, providerPriceID: String?) {
        id = price.id.rawValue
        key = price.key
        type = price.terms.type
        currency = price.currency.rawValue
        switch price.terms {
        case .oneTime(let money):
            amount = money.amount
        case .recurring(let money, let every):
            amount = money.amount
            interval = every.unit.rawValue
            interval_count = every.count
        case .metered(let metered):
            interval = metered.interval.unit.rawValue
            interval_count = metered.interval.count
            metric = metered.metric
            unit_amount = metered.unitAmount
            tiers_mode = metered.tiers?.mode.rawValue
            tiers = metered.tiers?.tiers.map { TierResponse(up_to: $0.upTo, unit_amount: $0.unitAmount, flat_amount: $0.flatAmount) }
            included_quantity = metered.includedQuantity
        }
        active = price.active
        provider_price_id = providerPriceID ?? price.linkedProviderPriceID
        created_at = price.createdAt
    }
}
