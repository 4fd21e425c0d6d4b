import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What one app reported of each customer's metered usage to its provider, per metric and
/// period: the quantity the provider acknowledged, and the report under way.
///
/// A report is recorded (claimed) in a transaction before it is sent and acknowledged after, so
/// a crash between the two leaves it pending and the next pass resends it with the same
/// identifier, which the provider counts once. On PostgreSQL the claim locks the row: of two
/// instances claiming at once, one claims and the other finds it pending and leaves it.
public struct UsageReportRepository: Sendable {
    let session: Session
    let appID: App.ID

    /// A report to send: `value` more units under `identifier`.
    public struct Claim: Sendable, Equatable {
        public let customer: Customer.ID
        public let metric: String
        public let period: UsagePeriod
        public let identifier: String
        public let value: Int64
    }

    /// Claims the report that brings the provider's quantity to `units`: a new one for the
    /// difference, or the pending one again when it has waited `lease` unacknowledged (a crash,
    /// a failed call). - Returns: nil when there is nothing to send, or another instance is
    /// sending.
    public func claim(
        customer: Customer.ID,
        metric: String,
        period: UsagePeriod,
        provider: ProviderName,
        units: Int64,
        lease: Duration
    ) async throws -> Claim? {
        _ = try session.requireWrite()
        let now = session.wallClock.millis
        try await session.db.raw(
            """
            INSERT INTO usage_reports (app_id, customer_id, metric, period_start, period_end, provider, reported, sequence, updated_at)
            VALUES (\(bind: appID.rawValue), \(bind: customer.rawValue), \(bind: metric), \(bind: period.start.millis),
                    \(bind: period.end.millis), \(bind: provider.rawValue), 0, 0, \(bind: now))
            ON CONFLICT DO NOTHING
            """
        ).run()
        guard
            let row = try await session.db.raw(
                """
                SELECT reported, sequence, pending_identifier, pending_value, pending_at FROM usage_reports
                WHERE app_id = \(bind: appID.rawValue) AND customer_id = \(bind: customer.rawValue) AND metric = \(bind: metric)
                  AND period_start = \(bind: period.start.millis)\(session.forUpdate)
                """
            ).first()
        else { throw StoreError.inconsistent("usage report row vanished") }
        let key = (customer: customer, metric: metric, period: period)
        if let pending = try row.decode(column: "pending_identifier", as: String?.self),
            let value = try row.decode(column: "pending_value", as: Int64?.self),
            let at = try row.decode(column: "pending_at", as: Int64?.self)
        {
            guard at + lease.milliseconds <= now else { return nil }
            try await setPending(key, identifier: pending, value: value, sequence: nil, at: now)
            return Claim(customer: customer, metric: metric, period: period, identifier: pending, value: value)
        }
        let reported = try row.decode(column: "reported", as: Int64.self)
        guard units != reported else { return nil }
        let sequence = try row.decode(column: "sequence", as: Int64.self) + 1
        let identifier = "\(appID.rawValue)-\(customer.rawValue)-\(metric)-\(period.start.millis / 1000)-\(sequence)"
        try await setPending(key, identifier: identifier, value: units - reported, sequence: sequence, at: now)
        return Claim(customer: customer, metric: metric, period: period, identifier: identifier, value: units - reported)
    }

    private func setPending(
        _ key: (customer: Customer.ID, metric: String, period: UsagePeriod),
        identifier: String,
        value: Int64,
        sequence: Int64?,
        at now: Int64
    ) async throws {
        let next: SQLQueryString = sequence.map { "\(bind: $0)" } ?? "sequence"
        try await session.db.raw(
            """
            UPDATE usage_reports SET pending_identifier = \(bind: identifier), pending_value = \(bind: value),
                pending_at = \(bind: now), sequence = \(next), updated_at = \(bind: now)
            WHERE app_id = \(bind: appID.rawValue) AND customer_id = \(bind: key.customer.rawValue) AND metric = \(bind: key.metric)
              AND period_start = \(bind: key.period.start.millis)
            """
        ).run()
    }

    /// Records that the provider took `claim`: its value joins what was reported.
    public func acknowledge(_ claim: Claim) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            UPDATE usage_reports SET reported = reported + pending_value, pending_identifier = NULL, pending_value = NULL,
                pending_at = NULL, updated_at = \(bind: session.wallClock.millis)
            WHERE app_id = \(bind: appID.rawValue) AND customer_id = \(bind: claim.customer.rawValue) AND metric = \(bind: claim.metric)
              AND period_start = \(bind: claim.period.start.millis) AND pending_identifier = \(bind: claim.identifier)
            """
        ).run()
    }

    /// What was acknowledged for each metric of `customer` in the period starting at `start`.
    public func reported(customer: Customer.ID, periodStart start: Date) async throws -> [String: Int64] {
        let rows = try await session.db.raw(
            """
            SELECT metric, reported FROM usage_reports
            WHERE app_id = \(bind: appID.rawValue) AND customer_id = \(bind: customer.rawValue) AND period_start = \(bind: start.millis)
            """
        ).all()
        var result: [String: Int64] = [:]
        for row in rows { result[try row.decode(column: "metric", as: String.self)] = try row.decode(column: "reported", as: Int64.self) }
        return result
    }
}

extension Session {
    public func usageReports(_ appID: App.ID) -> UsageReportRepository { UsageReportRepository(session: self, appID: appID) }
}
