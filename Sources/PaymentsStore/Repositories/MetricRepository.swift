import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One app's metrics. Every query is bound to `appID`: another app's rows are invisible.
public struct MetricRepository: Sendable {
    let session: Session
    let appID: App.ID

    static let columnList = "id, app_id, key, name, aggregation, field, unit, created_at, updated_at"
    static let columns = SQLQueryString(columnList)

    /// The metric events and prices name `key`; in a write, locked until the change commits
    /// unless `locking` is false (a write that only refers to it: usage events).
    public func find(key: String, locking: Bool = true) async throws -> Metric? {
        guard session.isWrite, locking else { return try await session.first(ByKey(app: appID, key: key)) }
        return try await session.db.raw(
            "SELECT \(Self.columns) FROM metrics WHERE app_id = \(bind: appID.rawValue) AND key = \(bind: key)\(session.forUpdate)"
        ).first().map(Self.decode)
    }

    /// A metric by its key, prepared: every usage event and usage read looks its metric up.
    struct ByKey: PreparedRead {
        static let sql = "SELECT \(columnList) FROM metrics WHERE app_id = $1 AND key = $2"
        let app: App.ID
        let key: String
        var values: [PreparedValue] { [.text(app.rawValue), .text(key)] }
        static func decode(_ row: any SQLRow) throws -> Metric { try MetricRepository.decode(row) }
    }

    /// Those of `keys` that exist.
    public func existing(keys: Set<String>) async throws -> Set<String> {
        guard !keys.isEmpty else { return [] }
        let list = SQLList(keys.sorted().map { SQLBind($0) })
        return Set(
            try await session.db.raw("SELECT key FROM metrics WHERE app_id = \(bind: appID.rawValue) AND key IN (\(list))")
                .all().map { try $0.decode(column: "key", as: String.self) }
        )
    }

    public func count() async throws -> Int {
        try await session.db.raw("SELECT COUNT(*) AS n FROM metrics WHERE app_id = \(bind: appID.rawValue)").first()?
            .decode(column: "n", as: Int.self) ?? 0
    }

    /// Every metric of the app (at most ``Metric/maximumCount``), by key.
    public func all() async throws -> [Metric] {
        try await session.db.raw(
            "SELECT \(Self.columns) FROM metrics WHERE app_id = \(bind: appID.rawValue) ORDER BY key LIMIT \(bind: Metric.maximumCount)"
        ).all().map(Self.decode)
    }

    /// Metrics newest first.
    public func list(_ page: PageRequest) async throws -> Page<Metric> {
        let after: SQLQueryString = page.startingAfter.map { " AND id < \(bind: $0)" } ?? ""
        let rows = try await session.db.raw(
            """
            SELECT \(Self.columns) FROM metrics WHERE app_id = \(bind: appID.rawValue)\(after)
            ORDER BY id DESC LIMIT \(bind: page.limit + 1)
            """
        ).all()
        return Page(fetched: try rows.map(Self.decode), limit: page.limit)
    }

    /// - Returns: false when the app has a metric with this key already.
    public func insert(_ metric: Metric) async throws -> Bool {
        _ = try session.requireWrite()
        return try await session.db.raw(
            """
            INSERT INTO metrics (\(Self.columns))
            VALUES (\(bind: metric.id.rawValue), \(bind: appID.rawValue), \(bind: metric.key), \(bind: metric.name),
                    \(bind: metric.aggregation.rawValue), \(bind: metric.field), \(bind: metric.unit),
                    \(bind: metric.createdAt.millis), \(bind: metric.updatedAt.millis))
            ON CONFLICT (app_id, key) DO NOTHING
            RETURNING id
            """
        ).first() != nil
    }

    public func update(_ metric: Metric) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            UPDATE metrics SET name = \(bind: metric.name), unit = \(bind: metric.unit), updated_at = \(bind: metric.updatedAt.millis)
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: metric.id.rawValue)
            """
        ).run()
    }

    static func decode(_ row: any SQLRow) throws -> Metric {
        let aggregation = try row.decode(column: "aggregation", as: String.self)
        guard let known = Metric.Aggregation(rawValue: aggregation) else {
            throw StoreError.inconsistent("metric aggregation \(aggregation)")
        }
        return Metric(
            id: Metric.ID(rawValue: try row.decode(column: "id", as: String.self)),
            appID: App.ID(rawValue: try row.decode(column: "app_id", as: String.self)),
            key: try row.decode(column: "key", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            aggregation: known,
            field: try row.decode(column: "field", as: String?.self),
            unit: try row.decode(column: "unit", as: String?.self),
            createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at")
        )
    }
}
