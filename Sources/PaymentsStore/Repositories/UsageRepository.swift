import NIOConcurrencyHelpers
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

    /// An event to record, with what its rollup needs.
    public struct Pending: Sendable {
        public let event: UsageEvent
        /// The event as sent (``UsageEvent/Input/fingerprint``).
        public let fingerprint: String
        public let aggregation: Metric.Aggregation
        /// For `unique_count`, the value it counts once.
        public let distinct: String?
        /// The properties as stored (JSON text).
        let propertiesText: String

        /// - Parameter propertiesText: the event's properties as ``UsageRepository/text(_:)``
        ///   writes them, when the caller worked them out already (off the writer's thread).
        public init(event: UsageEvent, fingerprint: String, aggregation: Metric.Aggregation, distinct: String?, propertiesText: String? = nil) {
            self.event = event
            self.fingerprint = fingerprint
            self.aggregation = aggregation
            self.distinct = distinct
            self.propertiesText = propertiesText ?? UsageRepository.text(event.properties)
        }
    }

    /// How many rows one multi-row statement carries.
    static let rowsPerStatement = 500

    /// Records events and adds the new ones to their rollups, a few statements for many events:
    /// the events in multi-row inserts, then one upsert per customer, metric and period.
    /// - Returns: for each event, in order, whether it was recorded now, recorded before (the same
    ///   id and body; the second of one id within `batch` too), or conflicts with the one recorded.
    ///   And the rollups it changed (customer, metric, period).
    public func record(
        _ batch: [Pending]
    ) async throws -> (
        recorded: [Recorded], touched: [(customer: Customer.ID, metric: String, period: UsagePeriod)]
    ) {
        _ = try session.requireWrite()
        var inserted = Set<String>()
        for start in stride(from: 0, to: batch.count, by: Self.rowsPerStatement) {
            let rows = batch[start..<min(start + Self.rowsPerStatement, batch.count)]
            var values: [PreparedValue] = []
            values.reserveCapacity(rows.count * 11)
            for pending in rows {
                let e = pending.event
                values += [
                    .text(appID.rawValue), .text(e.id), .text(e.customerID.rawValue), .text(e.metric), .double(e.value),
                    .integer(e.timestamp.millis), .text(pending.propertiesText), .text(pending.fingerprint),
                    .integer(e.period.start.millis), .integer(e.period.end.millis), .integer(e.createdAt.millis),
                ]
            }
            try await session.execute(Self.insertEvents(rows: rows.count), values) { row in
                inserted.insert(try row.decode(column: "id", as: String.self))
            }
        }
        var results = [Recorded?](repeating: nil, count: batch.count)
        var created: [Pending] = []
        var seen = Set<String>()
        var others: [Int] = []
        for (index, pending) in batch.enumerated() {
            if inserted.contains(pending.event.id), seen.insert(pending.event.id).inserted {
                results[index] = .created
                created.append(pending)
            } else {
                others.append(index)
            }
        }
        if !others.isEmpty {
            let stored = try await find(ids: Set(others.map { batch[$0].event.id }))
            for index in others {
                guard let (event, fingerprint) = stored[batch[index].event.id] else {
                    throw StoreError.inconsistent("usage event \(batch[index].event.id) vanished")
                }
                results[index] = fingerprint == batch[index].fingerprint ? .duplicate(event) : .conflict
            }
        }
        let touched = try await addToRollups(created)
        // Entitlement limits count usage: this instance's caches drop it at commit.
        for customer in Set(created.map(\.event.customerID)) { session.noteEntitlementsChanged(.usage(appID, customer)) }
        return (results.map { $0! }, touched)
    }

    /// One rollup's share of a batch.
    private struct Delta {
        var end: Int64
        var aggregation: Metric.Aggregation
        var value: Double
        var events: Int64
        var lastTimestamp: Int64
        var distinct: Set<String> = []
    }

    private struct RollupKey: Hashable {
        let customer: String
        let metric: String
        let start: Int64
    }

    /// Adds newly recorded events to their rollups: one upsert per rollup touched.
    private func addToRollups(_ created: [Pending]) async throws -> [(customer: Customer.ID, metric: String, period: UsagePeriod)] {
        var deltas: [RollupKey: Delta] = [:]
        var order: [RollupKey] = []
        for pending in created {
            let e = pending.event
            let key = RollupKey(customer: e.customerID.rawValue, metric: e.metric, start: e.period.start.millis)
            let time = e.timestamp.millis
            guard var delta = deltas[key] else {
                var first = Delta(
                    end: e.period.end.millis,
                    aggregation: pending.aggregation,
                    value: pending.aggregation.contribution(of: e.value),
                    events: 1,
                    lastTimestamp: time
                )
                if let distinct = pending.distinct { first.distinct.insert(distinct) }
                deltas[key] = first
                order.append(key)
                continue
            }
            if let distinct = pending.distinct { delta.distinct.insert(distinct) }
            delta.value = pending.aggregation.combine((delta.value, delta.lastTimestamp), (pending.aggregation.contribution(of: e.value), time))
            delta.events += 1
            delta.lastTimestamp = max(delta.lastTimestamp, time)
            deltas[key] = delta
        }
        let now = session.wallClock.millis
        // PostgreSQL writers run side by side: a customer's events spread over a few rows of its
        // rollup, so they do not wait for each other's commit on one row lock. (SQLite's single
        // writer has nothing to spread.)
        let shard = session.engine == .postgres ? Int64.random(in: 0..<Self.shards) : 0
        var touched: [(customer: Customer.ID, metric: String, period: UsagePeriod)] = []
        for key in order {
            guard var delta = deltas[key] else { continue }
            if delta.aggregation == .uniqueCount { delta.value = Double(try await insertDistinct(key, delta.distinct.sorted())) }
            try await session.execute(
                Self.upsertRollup[delta.aggregation]!,
                [
                    .text(appID.rawValue), .text(key.customer), .text(key.metric), .integer(key.start), .integer(delta.end),
                    .integer(shard), .double(delta.value), .integer(delta.events), .integer(delta.lastTimestamp), .integer(now),
                ]
            )
            touched.append(
                (
                    Customer.ID(rawValue: key.customer), key.metric,
                    UsagePeriod(start: Timestamp.date(milliseconds: key.start), end: Timestamp.date(milliseconds: delta.end))
                )
            )
        }
        return touched
    }

    /// How many rows a rollup spreads over on PostgreSQL.
    static let shards: Int64 = 16

    /// Records that the customer's usage of `metric` reached `threshold` % of its limit in the
    /// period starting at `periodStart`. - Returns: false when that was recorded before.
    public func reach(customer: Customer.ID, metric: String, periodStart: Date, threshold: Int) async throws -> Bool {
        _ = try session.requireWrite()
        return try await session.db.raw(
            """
            INSERT INTO usage_thresholds (app_id, customer_id, metric, period_start, threshold, reached_at)
            VALUES (\(bind: appID.rawValue), \(bind: customer.rawValue), \(bind: metric), \(bind: periodStart.millis),
                    \(bind: threshold), \(bind: session.now.millis))
            ON CONFLICT (app_id, customer_id, metric, period_start, threshold) DO NOTHING
            RETURNING threshold
            """
        ).first() != nil
    }

    /// The multi-row insert of `rows` events, made once per row count.
    static func insertEvents(rows: Int) -> DirectStatement {
        if let made = insertStatements.withLockedValue({ $0[rows] }) { return made }
        let tuples = (0..<rows).map { row in
            "(" + (1...11).map { "$\(row * 11 + $0)" }.joined(separator: ", ") + ")"
        }
        let statement = DirectStatement(
            """
            INSERT INTO usage_events
                (app_id, id, customer_id, metric, value, timestamp, properties, fingerprint, period_start, period_end, created_at)
            VALUES \(tuples.joined(separator: ", "))
            ON CONFLICT (app_id, id) DO NOTHING
            RETURNING id
            """
        )
        insertStatements.withLockedValue { $0[rows] = statement }
        return statement
    }

    private static let insertStatements = NIOLockedValueBox<[Int: DirectStatement]>([:])

    /// A rollup's upsert, per aggregation: its value takes the batch's share as `combined` says.
    static let upsertRollup: [Metric.Aggregation: DirectStatement] = Dictionary(
        uniqueKeysWithValues: Metric.Aggregation.allCases.map { aggregation in
            (
                aggregation,
                DirectStatement(
                    """
                    INSERT INTO usage_rollups
                        (app_id, customer_id, metric, period_start, period_end, shard, value, events, last_timestamp, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                    ON CONFLICT (app_id, customer_id, metric, period_start, shard) DO UPDATE SET
                        value = \(combinedSQL(aggregation)),
                        events = usage_rollups.events + excluded.events,
                        last_timestamp = CASE WHEN excluded.last_timestamp > usage_rollups.last_timestamp
                                              THEN excluded.last_timestamp ELSE usage_rollups.last_timestamp END,
                        updated_at = excluded.updated_at
                    """
                )
            )
        }
    )

    /// How a rollup's value takes a batch's share (`excluded`).
    static func combinedSQL(_ aggregation: Metric.Aggregation) -> String {
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

    /// Records distinct values of a rollup. - Returns: how many it had not seen.
    private func insertDistinct(_ key: RollupKey, _ values: [String]) async throws -> Int {
        var new = 0
        for start in stride(from: 0, to: values.count, by: Self.rowsPerStatement) {
            var rows: SQLQueryString = ""
            for (offset, value) in values[start..<min(start + Self.rowsPerStatement, values.count)].enumerated() {
                rows =
                    rows + (offset == 0 ? "" : ", ")
                    + "(\(bind: appID.rawValue), \(bind: key.customer), \(bind: key.metric), \(bind: key.start), \(bind: value))"
            }
            new += try await session.db.raw(
                """
                INSERT INTO usage_distinct (app_id, customer_id, metric, period_start, value) VALUES \(rows)
                ON CONFLICT (app_id, customer_id, metric, period_start, value) DO NOTHING
                RETURNING value
                """
            ).all().count
        }
        return new
    }

    /// Events by the app's ids, with the fingerprints they were sent with.
    public func find(ids: Set<String>) async throws -> [String: (event: UsageEvent, fingerprint: String)] {
        guard !ids.isEmpty else { return [:] }
        var found: [String: (event: UsageEvent, fingerprint: String)] = [:]
        let sorted = ids.sorted()
        for start in stride(from: 0, to: sorted.count, by: Self.rowsPerStatement) {
            let list = SQLList(sorted[start..<min(start + Self.rowsPerStatement, sorted.count)].map { SQLBind($0) })
            for row in try await session.db.raw(
                """
                SELECT e.id, e.customer_id, c.external_id, e.metric, e.value, e.timestamp, e.properties, e.fingerprint,
                       e.period_start, e.period_end, e.created_at
                FROM usage_events e JOIN customers c ON c.id = e.customer_id
                WHERE e.app_id = \(bind: appID.rawValue) AND e.id IN (\(list))
                """
            ).all() {
                guard case .object(let properties) = try JSONReader.value(of: try row.decode(column: "properties", as: String.self)) else {
                    throw StoreError.inconsistent("usage event properties")
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
                found[event.id] = (event, try row.decode(column: "fingerprint", as: String.self))
            }
        }
        return found
    }

    /// Where a customer's usage is counted: its live subscriptions' periods, with the interval of
    /// the price each bills (one query).
    public func anchors(customer: Customer.ID) async throws -> [UsageAnchor] {
        try await session.all(Anchors(app: appID, customer: customer))
    }

    struct Anchors: PreparedRead {
        static let sql = """
            SELECT s.status, s.created_at, s.current_period_start, s.current_period_end, s.plan_id, s.items, p.terms
            FROM subscriptions s JOIN prices p ON p.id = s.price_id
            WHERE s.app_id = $1 AND s.customer_id = $2 AND s.status NOT IN ('canceled', 'incomplete_expired')
            """
        let app: App.ID
        let customer: Customer.ID
        var values: [PreparedValue] { [.text(app.rawValue), .text(customer.rawValue)] }
        static func decode(_ row: any SQLRow) throws -> UsageAnchor {
            let status = try row.decode(column: "status", as: String.self)
            let start = try row.decode(column: "current_period_start", as: Int64?.self)
            let end = try row.decode(column: "current_period_end", as: Int64?.self)
            return UsageAnchor(
                status: Subscription.Status(rawValue: status) ?? .incomplete,
                since: try row.date("created_at"),
                period: start.flatMap { start in
                    end.map { UsagePeriod(start: Timestamp.date(milliseconds: start), end: Timestamp.date(milliseconds: $0)) }
                },
                planID: Plan.ID(rawValue: try row.decode(column: "plan_id", as: String.self)),
                interval: try StoreJSON.decode(PriceTermsRecord.self, row.decode(column: "terms", as: String.self)).interval,
                prices: try Self.priceIDs(items: row.decode(column: "items", as: String.self))
            )
        }

        /// The items' price ids only (this runs in every usage write's transaction, which needs
        /// none of the rest of an item), read with the domain's own JSON reader.
        static func priceIDs(items: String) throws -> [Price.ID] {
            guard case .array(let items) = try JSONReader.value(of: items) else {
                throw StoreError.inconsistent("subscription items are not a list")
            }
            return items.compactMap { item in
                guard case .object(let fields) = item, case .string(let id)? = fields["price_id"] else { return nil }
                return Price.ID(rawValue: id)
            }
        }
    }

    /// The customer's usage of `metric` (every metric when nil) per period, for periods starting
    /// in `starts`: each rollup's shards combined as its metric aggregates.
    public func totals(customer: Customer.ID, metric: String?, starts: Range<Date>) async throws -> [UsageTotal] {
        let filter: SQLQueryString = metric.map { " AND r.metric = \(bind: $0)" } ?? ""
        let rows = try await session.db.raw(
            """
            SELECT r.metric, r.period_start, r.period_end, r.value, r.events, r.last_timestamp, m.aggregation
            FROM usage_rollups r JOIN metrics m ON m.app_id = r.app_id AND m.key = r.metric
            WHERE r.app_id = \(bind: appID.rawValue) AND r.customer_id = \(bind: customer.rawValue)\(filter)
              AND r.period_start >= \(bind: starts.lowerBound.millis) AND r.period_start < \(bind: starts.upperBound.millis)
            ORDER BY r.metric, r.period_start
            """
        ).all()
        var totals: [UsageTotal] = []
        var last: Int64 = 0
        for row in rows {
            let metric = try row.decode(column: "metric", as: String.self)
            let part = UsageTotal(
                metric: metric,
                period: UsagePeriod(start: try row.date("period_start"), end: try row.date("period_end")),
                value: try row.decode(column: "value", as: Double.self),
                events: try row.decode(column: "events", as: Int64.self)
            )
            let aggregation = Metric.Aggregation(rawValue: try row.decode(column: "aggregation", as: String.self)) ?? .sum
            Self.add((part, try row.decode(column: "last_timestamp", as: Int64.self)), to: &totals, last: &last, aggregation: aggregation)
        }
        return totals
    }

    /// The value a gauge (`last`) was last set to in a period starting before `before`: its latest
    /// period's latest shard, as `totals` combines a `last` metric's shards (the later timestamp,
    /// then the larger value) — one row, by a prepared read (an entitlement check's read-ahead asks
    /// it of every gauge not set this period).
    public func lastValue(customer: Customer.ID, metric: String, before: Date) async throws -> Double? {
        try await session.first(LastValue(app: appID, customer: customer, metric: metric, before: before.millis))
    }

    struct LastValue: PreparedRead {
        static let sql = """
            SELECT value FROM usage_rollups
            WHERE app_id = $1 AND customer_id = $2 AND metric = $3 AND period_start < $4
            ORDER BY period_start DESC, last_timestamp DESC, value DESC
            LIMIT 1
            """
        let app: App.ID
        let customer: Customer.ID
        let metric: String
        let before: Int64
        var values: [PreparedValue] { [.text(app.rawValue), .text(customer.rawValue), .text(metric), .integer(before)] }

        static func decode(_ row: any SQLRow) throws -> Double { try row.decode(column: "value", as: Double.self) }
    }

    /// Adds one shard's row of a rollup to `totals` (ordered by metric and period): a new period,
    /// or the same one combined as its metric aggregates. `last` is the running latest timestamp.
    static func add(
        _ part: (total: UsageTotal, last: Int64),
        to totals: inout [UsageTotal],
        last: inout Int64,
        aggregation: Metric.Aggregation
    ) {
        guard let current = totals.last, current.metric == part.total.metric, current.period.start == part.total.period.start else {
            totals.append(part.total)
            last = part.last
            return
        }
        totals[totals.count - 1] = UsageTotal(
            metric: current.metric,
            period: current.period,
            value: aggregation.combine((current.value, last), (part.total.value, part.last)),
            events: current.events + part.total.events
        )
        last = max(last, part.last)
    }

    /// The app's metrics (or the one named `metric`), each with the customer's usage per period
    /// for periods starting in `starts` — one prepared statement, as `GET .../usage` reads it.
    public func metricTotals(customer: Customer.ID, metric: String?, starts: Range<Date>) async throws -> [(metric: Metric, totals: [UsageTotal])] {
        let rows = try await session.all(
            MetricTotals(app: appID, customer: customer, metric: metric ?? "", from: starts.lowerBound.millis, to: starts.upperBound.millis)
        )
        var result: [(metric: Metric, totals: [UsageTotal])] = []
        var last: Int64 = 0
        for (metric, part) in rows {
            if result.last?.metric.key != metric.key { result.append((metric, [])) }
            guard let part else { continue }
            Self.add(part, to: &result[result.count - 1].totals, last: &last, aggregation: metric.aggregation)
        }
        return result
    }

    struct MetricTotals: PreparedRead {
        static let sql = """
            SELECT m.id, m.app_id, m.key, m.name, m.aggregation, m.field, m.unit, m.created_at, m.updated_at,
                   r.period_start, r.period_end, r.value, r.events, r.last_timestamp
            FROM metrics m LEFT JOIN usage_rollups r
              ON r.app_id = m.app_id AND r.metric = m.key AND r.customer_id = $2 AND r.period_start >= $4 AND r.period_start < $5
            WHERE m.app_id = $1 AND ($3 = '' OR m.key = $3)
            ORDER BY m.key, r.period_start
            """
        let app: App.ID
        let customer: Customer.ID
        let metric: String
        let from: Int64
        let to: Int64
        var values: [PreparedValue] { [.text(app.rawValue), .text(customer.rawValue), .text(metric), .integer(from), .integer(to)] }

        static func decode(_ row: any SQLRow) throws -> (Metric, (total: UsageTotal, last: Int64)?) {
            let metric = try MetricRepository.decode(row)
            guard let start = try row.decode(column: "period_start", as: Int64?.self) else { return (metric, nil) }
            let total = UsageTotal(
                metric: metric.key,
                period: UsagePeriod(
                    start: Timestamp.date(milliseconds: start),
                    end: Timestamp.date(milliseconds: try row.decode(column: "period_end", as: Int64.self))
                ),
                value: try row.decode(column: "value", as: Double.self),
                events: try row.decode(column: "events", as: Int64.self)
            )
            return (metric, (total, try row.decode(column: "last_timestamp", as: Int64.self)))
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
            let contribution = aggregation.contribution(of: value)
            var sum = sums[key] ?? Sum(end: end, value: contribution, events: 0, last: time, distinct: [])
            if sum.events > 0 { sum.value = aggregation.combine((sum.value, sum.last), (contribution, time)) }
            if aggregation == .uniqueCount {
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
                INSERT INTO usage_rollups
                    (app_id, customer_id, metric, period_start, period_end, shard, value, events, last_timestamp, updated_at)
                VALUES (\(bind: appID.rawValue), \(bind: key.customer), \(bind: key.metric), \(bind: key.start), \(bind: sum.end),
                        0, \(bind: sum.value), \(bind: sum.events), \(bind: sum.last), \(bind: now))
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

    /// Properties as the events table stores them.
    public static func text(_ properties: [String: JSONValue]) -> String {
        var writer = JSONWriter()
        writer.value(JSONValue.object(properties))
        return writer.string
    }
}
