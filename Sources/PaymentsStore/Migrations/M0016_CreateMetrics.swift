import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Metrics: what an app meters and how it aggregates. Every metric a metered price already names
/// becomes a `sum` metric (what such a price meant until now), so every metered price names a
/// metric that exists.
struct M0016_CreateMetrics: Migration {
    let version = 16
    let name = "create_metrics"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            """
            CREATE TABLE metrics (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL REFERENCES apps (id),
                key TEXT NOT NULL,
                name TEXT NOT NULL,
                aggregation TEXT NOT NULL,
                field TEXT,
                unit TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                UNIQUE (app_id, key)
            )
            """
        ])
        let metric: SQLQueryString =
            switch engine {
            case .sqlite: "json_extract(terms, '$.metered.metric')"
            case .postgres: "(terms::json -> 'metered' ->> 'metric')"
            }
        let named = try await db.raw(
            """
            SELECT app_id, \(metric) AS metric, MIN(created_at) AS created_at FROM prices
            WHERE \(metric) IS NOT NULL GROUP BY app_id, \(metric) ORDER BY app_id, metric
            """
        ).all()
        for row in named {
            let key = try row.decode(column: "metric", as: String.self)
            let createdAt = try row.decode(column: "created_at", as: Int64.self)
            let id = IDGenerator.live.next(Metric.self, at: Date(timeIntervalSince1970: Double(createdAt) / 1000))
            try await db.raw(
                """
                INSERT INTO metrics (id, app_id, key, name, aggregation, field, unit, created_at, updated_at)
                VALUES (\(bind: id.rawValue), \(bind: try row.decode(column: "app_id", as: String.self)), \(bind: key), \(bind: key),
                        'sum', NULL, NULL, \(bind: createdAt), \(bind: createdAt))
                """
            ).run()
        }
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute(["DROP TABLE metrics"])
    }
}
