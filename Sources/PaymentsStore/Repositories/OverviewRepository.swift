import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the operator's overview shows of one app: its subscriptions by status, open grace
/// periods, monthly recurring revenue, the money in and out over a window, and what needs a look
/// (failed payments, dead deliveries, provider events that failed processing).
public struct AppFigures: Sendable, Equatable {
    public var subscriptions: [Subscription.Status: Int] = [:]
    public var openGracePeriods = 0
    /// Active and past-due subscriptions' recurring prices, a month's worth (trials bring nothing yet).
    public var mrr: [Currency: Int64] = [:]
    /// Succeeded payments made in the window.
    public var paymentsCount = 0
    public var paid: [Currency: Int64] = [:]
    /// Refunds made in the window that went through.
    public var refundsCount = 0
    public var refunded: [Currency: Int64] = [:]
    public var failedPayments = 0
    public var deadDeliveries = 0
    public var failedProviderEvents = 0
    /// Succeeded payments per UTC day of the window (day 0 its first), by currency.
    public var paidPerDay: [Currency: [Int: Int64]] = [:]
    /// MRR at the end of each UTC day of the window, rebuilt from when subscriptions started,
    /// left their trial and ended (their past-due spells are not kept, so they count throughout).
    public var mrrPerDay: [Currency: [Int: Int64]] = [:]

    public init() {}
}

/// Counts across every app, for the operator (admin only: no app scope).
public struct OverviewRepository: Sendable {
    let session: Session

    /// Each app's figures, with the window `[since, until)` for money in and out.
    public func figures(since: Date, until: Date) async throws -> [App.ID: AppFigures] {
        var figures: [App.ID: AppFigures] = [:]
        let db = session.db
        func app(_ row: any SQLRow) throws -> App.ID { .init(rawValue: try row.decode(column: "app_id", as: String.self)) }
        func count(_ row: any SQLRow) throws -> Int { Int(try row.decode(column: "n", as: Int64.self)) }

        for row in try await db.raw("SELECT app_id, status, COUNT(*) AS n FROM subscriptions GROUP BY app_id, status").all() {
            guard let status = Subscription.Status(rawValue: try row.decode(column: "status", as: String.self)) else { continue }
            figures[try app(row), default: .init()].subscriptions[status, default: 0] += try count(row)
        }
        for row in try await db.raw("SELECT app_id, COUNT(*) AS n FROM grace_periods WHERE status = 'open' GROUP BY app_id").all() {
            figures[try app(row), default: .init()].openGracePeriods = try count(row)
        }
        for row in try await db.raw(
            """
            SELECT s.app_id, p.terms, CAST(SUM(s.quantity) AS BIGINT) AS n FROM subscriptions s JOIN prices p ON p.id = s.price_id
            WHERE s.status IN ('active', 'past_due') GROUP BY s.app_id, p.terms
            """
        ).all() {
            let terms = try StoreJSON.decode(PriceTermsRecord.self, row.decode(column: "terms", as: String.self)).terms
            guard let monthly = terms.monthlyAmount(quantity: try row.decode(column: "n", as: Int64.self)) else { continue }
            figures[try app(row), default: .init()].mrr[monthly.currency, default: 0] += monthly.amount
        }
        let from = Timestamp.milliseconds(since)
        let days = Int((Double(Timestamp.milliseconds(until) - from) / 86_400_000).rounded(.up))
        for row in try await db.raw(
            """
            SELECT s.app_id, p.terms, s.quantity AS n, s.created_at, s.trial_end, s.ended_at FROM subscriptions s
            JOIN prices p ON p.id = s.price_id
            WHERE s.status NOT IN ('incomplete', 'incomplete_expired') AND (s.ended_at IS NULL OR s.ended_at >= \(bind: from))
            """
        ).all() {
            let terms = try StoreJSON.decode(PriceTermsRecord.self, row.decode(column: "terms", as: String.self)).terms
            guard let monthly = terms.monthlyAmount(quantity: try row.decode(column: "n", as: Int64.self)) else { continue }
            let starts = max(try row.decode(column: "created_at", as: Int64.self), try row.decode(column: "trial_end", as: Int64?.self) ?? 0)
            let ends = try row.decode(column: "ended_at", as: Int64?.self)
            let id = try app(row)
            for day in 0..<max(0, days) {
                let endOfDay = from + Int64(day + 1) * 86_400_000
                guard starts < endOfDay, ends.map({ $0 >= endOfDay }) ?? true else { continue }
                figures[id, default: .init()].mrrPerDay[monthly.currency, default: [:]][day, default: 0] += monthly.amount
            }
        }
        for row in try await db.raw(
            """
            SELECT app_id, currency, status, day, COUNT(*) AS n, CAST(SUM(amount) AS BIGINT) AS amount
            FROM (SELECT app_id, currency, status, amount, (created_at - \(bind: from)) / 86400000 AS day FROM payments
                  WHERE created_at >= \(bind: from) AND status IN ('succeeded', 'failed')) AS recent
            GROUP BY app_id, currency, status, day
            """
        ).all() {
            let id = try app(row)
            let n = try count(row)
            guard try row.decode(column: "status", as: String.self) == "succeeded" else {
                figures[id, default: .init()].failedPayments += n
                continue
            }
            guard let currency = Currency(rawValue: try row.decode(column: "currency", as: String.self)) else { continue }
            let amount = try row.decode(column: "amount", as: Int64.self)
            let day = Int(try row.decode(column: "day", as: Int64.self))
            figures[id, default: .init()].paymentsCount += n
            figures[id, default: .init()].paid[currency, default: 0] += amount
            figures[id, default: .init()].paidPerDay[currency, default: [:]][day, default: 0] += amount
        }
        for row in try await db.raw(
            """
            SELECT app_id, currency, COUNT(*) AS n, CAST(SUM(amount) AS BIGINT) AS amount FROM refunds
            WHERE created_at >= \(bind: from) AND status = 'succeeded' GROUP BY app_id, currency
            """
        ).all() {
            guard let currency = Currency(rawValue: try row.decode(column: "currency", as: String.self)) else { continue }
            figures[try app(row), default: .init()].refundsCount += try count(row)
            figures[try app(row), default: .init()].refunded[currency, default: 0] += try row.decode(column: "amount", as: Int64.self)
        }
        for row in try await db.raw("SELECT app_id, COUNT(*) AS n FROM event_deliveries WHERE status = 'dead' GROUP BY app_id").all() {
            figures[try app(row), default: .init()].deadDeliveries = try count(row)
        }
        for row in try await db.raw(
            "SELECT app_id, COUNT(*) AS n FROM provider_events WHERE status = 'failed' AND app_id IS NOT NULL GROUP BY app_id"
        ).all() {
            figures[try app(row), default: .init()].failedProviderEvents = try count(row)
        }
        return figures
    }
}
