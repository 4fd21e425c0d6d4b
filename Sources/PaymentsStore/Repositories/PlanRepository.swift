import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One app's catalog: plans with their prices, bound to `appID` in every query.
public struct PlanRepository: Sendable {
    let session: Session
    let appID: App.ID

    static let columns: SQLQueryString = """
        id, app_id, key, name, description, trial_period_days, grace_period_days, features, limits, metadata,
        active, created_at, updated_at
        """

    public func find(key: String) async throws -> Plan? {
        guard
            let row = try await session.db.raw(
                "SELECT \(Self.columns) FROM plans WHERE app_id = \(bind: appID.rawValue) AND key = \(bind: key)\(session.forUpdate)"
            ).first()
        else { return nil }
        return try await withPrices(Self.decode(row))
    }

    /// The plan with its prices, in one prepared statement (the usage read and every
    /// subscription change read a plan by id).
    public func find(id: Plan.ID) async throws -> Plan? {
        let rows = try await session.all(ByID(app: appID, id: id))
        guard var plan = rows.first?.plan else { return nil }
        plan.prices = rows.map(\.price)
        return plan
    }

    struct ByID: PreparedRead {
        static let sql = """
            SELECT pl.id, pl.app_id, pl.key, pl.name, pl.description, pl.trial_period_days, pl.grace_period_days, pl.features,
                   pl.limits, pl.metadata, pl.active, pl.created_at, pl.updated_at,
                   p.id AS price_id, p.key AS price_key, p.terms AS price_terms, p.linked_provider_price_id AS price_linked,
                   p.active AS price_active, p.created_at AS price_created_at
            FROM plans pl JOIN prices p ON p.plan_id = pl.id AND p.app_id = pl.app_id
            WHERE pl.app_id = $1 AND pl.id = $2
            ORDER BY p.active DESC, p.id
            """
        let app: App.ID
        let id: Plan.ID
        var values: [PreparedValue] { [.text(app.rawValue), .text(id.rawValue)] }

        static func decode(_ row: any SQLRow) throws -> (plan: Plan, price: Price) {
            (
                try PlanRepository.decode(row),
                Price(
                    id: Price.ID(rawValue: try row.decode(column: "price_id", as: String.self)),
                    key: try row.decode(column: "price_key", as: String.self),
                    terms: try StoreJSON.decode(PriceTermsRecord.self, row.decode(column: "price_terms", as: String.self)).terms,
                    linkedProviderPriceID: try row.decode(column: "price_linked", as: String?.self),
                    active: try row.decode(column: "price_active", as: Int.self) == 1,
                    createdAt: try row.date("price_created_at")
                )
            )
        }
    }

    /// Plans newest first, optionally only active or only archived ones.
    public func list(active: Bool?, _ page: PageRequest) async throws -> Page<Plan> {
        let after: SQLQueryString = page.startingAfter.map { " AND id < \(bind: $0)" } ?? ""
        let filter: SQLQueryString = active.map { " AND active = \(bind: $0 ? 1 : 0)" } ?? ""
        let rows = try await session.db.raw(
            """
            SELECT \(Self.columns) FROM plans WHERE app_id = \(bind: appID.rawValue)\(filter)\(after)
            ORDER BY id DESC LIMIT \(bind: page.limit + 1)
            """
        ).all()
        var plans: [Plan] = []
        for row in rows { plans.append(try await withPrices(Self.decode(row))) }
        return Page(fetched: plans, limit: page.limit)
    }

    public func insert(_ plan: Plan) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            INSERT INTO plans (id, app_id, key, name, description, trial_period_days, grace_period_days, features,
                               limits, metadata, active, created_at, updated_at)
            VALUES (\(bind: plan.id.rawValue), \(bind: appID.rawValue), \(bind: plan.key), \(bind: plan.name),
                    \(bind: plan.description), \(bind: plan.trialPeriodDays), \(bind: plan.gracePeriodDays),
                    \(bind: try StoreJSON.encode(plan.features)), \(bind: try StoreJSON.encode(plan.limits)),
                    \(bind: Metadata.encode(plan.metadata)), \(bind: plan.active ? 1 : 0),
                    \(bind: plan.createdAt.millis), \(bind: plan.updatedAt.millis))
            """
        ).run()
        for price in plan.prices { try await insert(price, plan: plan.id) }
    }

    /// Writes the plan's own fields, inserts its new prices and archives the ones marked inactive.
    public func update(_ plan: Plan) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            UPDATE plans SET name = \(bind: plan.name), description = \(bind: plan.description),
                trial_period_days = \(bind: plan.trialPeriodDays), grace_period_days = \(bind: plan.gracePeriodDays),
                features = \(bind: try StoreJSON.encode(plan.features)), limits = \(bind: try StoreJSON.encode(plan.limits)),
                metadata = \(bind: Metadata.encode(plan.metadata)), active = \(bind: plan.active ? 1 : 0),
                updated_at = \(bind: plan.updatedAt.millis)
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: plan.id.rawValue)
            """
        ).run()
        let stored = try await prices(of: plan.id)
        let known = Set(stored.map(\.id))
        for price in plan.prices.filter({ !$0.active }) where known.contains(price.id) {
            try await session.db.raw(
                "UPDATE prices SET active = 0 WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: price.id.rawValue)"
            ).run()
        }
        for price in plan.prices where !known.contains(price.id) {
            try await insert(price, plan: plan.id)
        }
    }

    /// A price of this app's catalog by id, with its plan's id, active or not.
    public func price(_ id: Price.ID) async throws -> (price: Price, planID: Plan.ID)? {
        guard
            let row = try await session.db.raw(
                """
                SELECT id, plan_id, key, terms, linked_provider_price_id, active, created_at FROM prices
                WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: id.rawValue)
                """
            ).first()
        else { return nil }
        return (try Self.decodePrice(row), Plan.ID(rawValue: try row.decode(column: "plan_id", as: String.self)))
    }

    private func insert(_ price: Price, plan: Plan.ID) async throws {
        try await session.db.raw(
            """
            INSERT INTO prices (id, app_id, plan_id, key, terms, linked_provider_price_id, active, created_at)
            VALUES (\(bind: price.id.rawValue), \(bind: appID.rawValue), \(bind: plan.rawValue), \(bind: price.key),
                    \(bind: try StoreJSON.encode(PriceTermsRecord(price.terms))), \(bind: price.linkedProviderPriceID),
                    \(bind: price.active ? 1 : 0), \(bind: price.createdAt.millis))
            """
        ).run()
    }

    private func prices(of plan: Plan.ID) async throws -> [Price] {
        try await session.db.raw(
            """
            SELECT id, key, terms, linked_provider_price_id, active, created_at FROM prices
            WHERE app_id = \(bind: appID.rawValue) AND plan_id = \(bind: plan.rawValue)
            ORDER BY active DESC, id
            """
        ).all().map(Self.decodePrice)
    }

    private func withPrices(_ plan: Plan) async throws -> Plan {
        var plan = plan
        plan.prices = try await prices(of: plan.id)
        return plan
    }

    static func decode(_ row: any SQLRow) throws -> Plan {
        Plan(
            id: Plan.ID(rawValue: try row.decode(column: "id", as: String.self)),
            appID: App.ID(rawValue: try row.decode(column: "app_id", as: String.self)),
            key: try row.decode(column: "key", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            description: try row.decode(column: "description", as: String?.self),
            prices: [],
            trialPeriodDays: try row.decode(column: "trial_period_days", as: Int?.self),
            gracePeriodDays: try row.decode(column: "grace_period_days", as: Int?.self),
            features: try StoreJSON.decode([String].self, row.decode(column: "features", as: String.self)),
            limits: try StoreJSON.decode([String: Int64].self, row.decode(column: "limits", as: String.self)),
            metadata: try Metadata.decode(row.decode(column: "metadata", as: String.self)),
            active: try row.decode(column: "active", as: Int.self) == 1,
            createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at")
        )
    }

    static func decodePrice(_ row: any SQLRow) throws -> Price {
        Price(
            id: Price.ID(rawValue: try row.decode(column: "id", as: String.self)),
            key: try row.decode(column: "key", as: String.self),
            terms: try StoreJSON.decode(PriceTermsRecord.self, row.decode(column: "terms", as: String.self)).terms,
            linkedProviderPriceID: try row.decode(column: "linked_provider_price_id", as: String?.self),
            active: try row.decode(column: "active", as: Int.self) == 1,
            createdAt: try row.date("created_at")
        )
    }
}

/// `Price.Terms` as stored: one JSON object with a `type`.
struct PriceTermsRecord: Codable {
    let type: String
    let amount: Int64?
    let currency: Currency
    let interval: BillingInterval?
    let metered: Metered?

    init(_ terms: Price.Terms) {
        type = terms.type
        switch terms {
        case .oneTime(let money):
            (amount, currency, interval, metered) = (money.amount, money.currency, nil, nil)
        case .recurring(let money, let every):
            (amount, currency, interval, metered) = (money.amount, money.currency, every, nil)
        case .metered(let terms):
            (amount, currency, interval, metered) = (nil, terms.currency, terms.interval, terms)
        }
    }

    var terms: Price.Terms {
        get throws {
            switch (type, amount, interval, metered) {
            case ("one_time", let amount?, nil, nil): return .oneTime(Money(amount, currency))
            case ("recurring", let amount?, let interval?, nil): return .recurring(Money(amount, currency), interval)
            case ("metered", nil, _, let metered?): return .metered(metered)
            default: throw StoreError.inconsistent("price terms of type \(type)")
            }
        }
    }
}
