import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One app's usage: raw events, and the rollups reads use (updated with each event, in its
/// transaction, so an acknowledged event counts at once).
public struct UsageRepository: Sendable {
    let session: Session
    let appID: App.ID

    /// What recording one event did.
    public enum Recorded: Sendable, Equatable {
        case created
        /// The same id and the same event: nothing written again.
        case duplicate(UsageEvent)
        /// The same id with another event.
        case conflict
    }

    /// Records an event and adds it to its rollup; or finds it recorded already.
    /// - Parameters:
    ///   - fingerprint: the event as sent (``UsageEvent/Input/fingerprint``).
    ///   - distinct: for `unique_count`, the value it counts once.
    public func record(
        _ event: UsageEvent,
        fingerprint: String,
        aggregation: Metric.Aggregation,
        distinct: String?
    ) async throws -> Recorded {
        _ = try session.requireWrite()
        let inserted = try await session.db.raw(
            """
            INSERT INTO usage_events
                (app_id, id, customer_id, metric, value, timestamp, properties, fingerprint, period_start, period_end, created_at)
            VALUES (\(bind: appID.rawValue), \(bind: event.id), \(bind: event.customerID.rawValue), \(bind: event.metric),
                    \(bind: event.value), \(bind: event.timestamp.millis), \(bind: Self.text(event.properties)), \(bind: fingerprint),
                    \(bind: event.period.start.millis), \(bind: event.period.end.millis), \(bind: event.createdAt.millis))
            ON CONFLICT (app_id, id) DO NOTHING
            RETURNING id
            """
        ).first()
        guard inserted != nil else {
            guard let stored = try await find(id: event.id) else { throw StoreError.inconsistent("usage event \(event.id) vanished") }
            return stored.fingerprint == fingerprint ? .duplicate(stored.event) : .conflict
        }
        var amount = event.value
        if aggregation == .count { amount = 1 }
        if aggregation == .uniqueCount {
            let new = try await session.db.raw(
                """
                INSERT INTO usage_distinct (app_id, customer_id, metric, period_start, value)
                VALUES (\(bind: appID.rawValue), \(bind: event.customerID.rawValue), \(bind: event.metric),
                        \(bind: event.period.start.millis), \(bind: distinct ?? ""))
                ON CONFLICT (app_id, customer_id, metric, period_start, value) DO NOTHING
                RETURNING value
                """
            ).first()
            amount = new == nil ? 0 : 1
        }
        try await session.db.raw(
            """
            INSERT INTO usage_rollups
                (app_id, customer_id, metric, period_start, period_end, value, events, last_timestamp, updated_at)
            VALUES (\(bind: appID.rawValue), \(bind: event.customerID.rawValue), \(bind: event.metric), \(bind: event.period.start.millis),
                    \(bind: event.period.end.millis), \(bind: amount), 1, \(bind: event.timestamp.millis), \(bind: event.createdAt.millis))
            ON CONFLICT (app_id, customer_id, metric, period_start) DO UPDATE SET
                value = \(Self.combined(aggregation)),
                events = usage_rollups.events + 1,
                last_timestamp = CASE WHEN excluded.last_timestamp > usage_rollups.last_timestamp
                                      THEN excluded.last_timestamp ELSE usage_rollups.last_timestamp END,
                updated_at = excluded.updated_at
            """
        ).run()
        return .created
    }

    /// How a rollup's value takes one more event's (`excluded`).
    static func combined(_ aggregation: Metric.Aggregation) -> SQLQueryString {
        switch aggregation {
        case .sum, .count, .uniqueCount: "usage_rollups.value + excluded.value"
        case .max: "CASE WHEN excluded.value > usage_rollups.value THEN excluded.value ELSE usage_rollups.value END"
        // The latest event sets the gauge; of two stamped the same millisecond, the larger value
        // (so the result does not depend on the order they arrive in).
        case .last:
            """
            CASE WHEN excluded.last_timestamp > usage_rollups.last_timestamp
                   OR (excluded.last_timestamp = usage_rollups.last_timestamp AND excluded.value > usage_rollups.value)
                 THEN excluded.value ELSE usage_rollups.value END
            """
        }
    }

    /// An event by the app's id, with the fingerprint it was sent with.
    public func find(id: String) async throws -> (event: UsageEvent, fingerprint: String)? {
        guard
            let row = try await session.db.raw(
                """
                SELECT e.id, e.customer_id, c.external_id, e.metric, e.value, e.timestamp, e.properties, e.fingerprint,
                       e.period_start, e.period_end, e.created_at
                FROM usage_events e JOIN customers c ON c.id = e.customer_id
                WHERE e.app_id = \(bind: appID.rawValue) AND e.id = \(bind: id)
                """
            ).first()
        else { return nil }
        let properties: [String: JSONValue]
        do {
            guard case .object(let members) = try JSONReader.value(of: try row.decode(column: "properties", as: String.self)) else {
                throw StoreError.inconsistent("usage event \(id) properties")
            }
            properties = members
        }
        let event = UsageEvent(
            id: try row.decode(column: "id", as: String.self),
            customerID: Customer.ID(rawValue: try row.decode(column: "customer_id", as: String.self)),
            customerExternalID: try row.decode(column: "external_id", as: String.self),
            metric: try row.decode(column: "metric", as: String.self),
            value: try row.decode(column: "value", as: Double.self),
            timestamp: try row.date("timestamp"),
            properties: properties,
            period: UsagePeriod(start: try row.date("period_start"), end: try row.date("period_end")),
            createdAt: try row.date("created_at")
        )
        return (event, try row.decode(column: "fingerprint", as: String.self))
    }

    /// The customer's rollups of `metric` (every metric when nil) in periods starting in `starts`.
    public func totals(customer: Customer.ID, metric: String?, starts: Range<Date>) async throws -> [UsageTotal] {
        let filter: SQLQueryString = metric.map { " AND metric = \(bind: $0)" } ?? ""
        return try await session.db.raw(
            """
            SELECT metric, period_start, period_end, value, events FROM usage_rollups
            WHERE app_id = \(bind: appID.rawValue) AND customer_id = \(bind: customer.rawValue)\(filter)
              AND period_start >= \(bind: starts.lowerBound.millis) AND period_start < \(bind: starts.upperBound.millis)
            ORDER BY metric, period_start
            """
        ).all().map { row in
            UsageTotal(
                metric: try row.decode(column: "metric", as: String.self),
                period: UsagePeriod(start: try row.date("period_start"), end: try row.date("period_end")),
                value: try row.decode(column: "value", as: Double.self),
                events: try row.decode(column: "events", as: Int64.self)
            )
        }
    }

    /// How many distinct values a `unique_count` metric saw over periods starting in `starts`
    /// (a value seen in two periods counts once).
    public func distinctCount(customer: Customer.ID, metric: String, starts: Range<Date>) async throws -> Int64 {
        try await session.db.raw(
            """
            SELECT COUNT(DISTINCT value) AS n FROM usage_distinct
            WHERE app_id = \(bind: appID.rawValue) AND customer_id = \(bind: customer.rawValue) AND metric = \(bind: metric)
              AND period_start >= \(bind: starts.lowerBound.millis) AND period_start < \(bind: starts.upperBound.millis)
            """
        ).first()?.decode(column: "n", as: Int64.self) ?? 0
    }

    /// Rebuilds every rollup and distinct value of the app from the raw events.
    /// - Returns: how many rollups were written.
    @discardableResult
    public func recompute(aggregations: [String: Metric.Aggregation], fields: [String: String]) async throws -> Int {
        _ = try session.requireWrite()
        try await session.db.raw("DELETE FROM usage_rollups WHERE app_id = \(bind: appID.rawValue)").run()
        try await session.db.raw("DELETE FROM usage_distinct WHERE app_id = \(bind: appID.rawValue)").run()
        let rows = try await session.db.raw(
            """
            SELECT id, customer_id, metric, value, timestamp, properties, period_start, period_end, created_at FROM usage_events
            WHERE app_id = \(bind: appID.rawValue) ORDER BY created_at, id
            """
        ).all()
        struct Key: Hashable {
            let customer: String
            let metric: String
            let start: Int64
        }
        struct Sum {
            var end: Int64
            var value: Double
            var events: Int64
            var last: Int64
            var distinct: Set<String>
        }
        var sums: [Key: Sum] = [:]
        for row in rows {
            let metric = try row.decode(column: "metric", as: String.self)
            guard let aggregation = aggregations[metric] else { continue }
            let key = Key(
                customer: try row.decode(column: "customer_id", as: String.self),
                metric: metric,
                start: try row.decode(column: "period_start", as: Int64.self)
            )
            let value = try row.decode(column: "value", as: Double.self)
            let time = try row.decode(column: "timestamp", as: Int64.self)
            let end = try row.decode(column: "period_end", as: Int64.self)
            var sum = sums[key] ?? Sum(end: end, value: 0, events: 0, last: time, distinct: [])
            switch aggregation {
            case .sum: sum.value += value
            case .count: sum.value += 1
            case .max: sum.value = sum.events == 0 ? value : max(sum.value, value)
            case .last: if sum.events == 0 || time > sum.last || (time == sum.last && value > sum.value) { sum.value = value }
            case .uniqueCount:
                let properties = try JSONReader.value(of: try row.decode(column: "properties", as: String.self))
                if let field = fields[metric], case .object(let members) = properties, let counted = members[field].flatMap(UsageEvent.distinctValue)
                {
                    sum.distinct.insert(counted)
                }
                sum.value = Double(sum.distinct.count)
            }
            sum.events += 1
            sum.last = max(sum.last, time)
            sums[key] = sum
        }
        let now = session.now.millis
        for (key, sum) in sums {
            try await session.db.raw(
                """
                INSERT INTO usage_rollups (app_id, customer_id, metric, period_start, period_end, value, events, last_timestamp, updated_at)
                VALUES (\(bind: appID.rawValue), \(bind: key.customer), \(bind: key.metric), \(bind: key.start), \(bind: sum.end),
                        \(bind: sum.value), \(bind: sum.events), \(bind: sum.last), \(bind: now))
                """
            ).run()
            for value in sum.distinct {
                try await session.db.raw(
                    """
                    INSERT INTO usage_distinct (app_id, customer_id, metric, period_start, value)
                    VALUES (\(bind: appID.rawValue), \(bind: key.customer), \(bind: key.metric), \(bind: key.start), \(bind: value))
                    """
                ).run()
            }
        }
        return sums.count
    }

    static func text(_ properties: [String: JSONValue]) -> String {
        var writer = JSONWriter()
        writer.value(JSONValue.object(properties))
        return writer.string
    }
}
