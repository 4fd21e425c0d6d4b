import PaymentsDomain
import PaymentsStore

public enum Metrics {}

extension Metrics {
    /// What an app meters. Each change is audited; a metric's key and aggregation never change
    /// once made (periods already recorded were added up by them).
    public struct Service: Sendable {
        let store: Store

        public init(store: Store) {
            self.store = store
        }

        /// - Throws: 409 `metric_key_exists`, 400 `metric_limit` past ``Metric/maximumCount``.
        public func create(app: App.ID, _ draft: Metric.Draft, origin: Origin) async throws -> Metric {
            try draft.validate()
            return try await store.write(origin, app: app) { session in
                let metrics = session.metrics(app)
                guard try await metrics.count() < Metric.maximumCount else {
                    throw PaymentsError(
                        .invalidRequest,
                        code: .metricLimit,
                        message: "An app may have at most \(Metric.maximumCount) metrics."
                    )
                }
                let metric = Metric(
                    id: session.ids.next(Metric.self, at: session.now),
                    appID: app,
                    key: draft.key,
                    name: draft.name,
                    aggregation: draft.aggregation,
                    field: draft.field,
                    unit: draft.unit,
                    createdAt: session.now,
                    updatedAt: session.now
                )
                guard try await metrics.insert(metric) else {
                    throw PaymentsError(
                        .conflict,
                        code: .metricKeyExists,
                        message: "A metric with key '\(draft.key)' already exists.",
                        param: "key"
                    )
                }
                try await session.audit(app, try AuditRecord(action: .createMetric, target: metric.id, snapshot: MetricSnapshot(metric)))
                // A limit named like it counts usage from now on.
                session.noteEntitlementsChanged(.app(app))
                return metric
            }
        }

        public func get(app: App.ID, key: String) async throws -> Metric {
            guard let metric = try await store.read({ try await $0.metrics(app).find(key: key) }) else {
                throw PaymentsError.notFound(.metricNotFound, id: key)
            }
            return metric
        }

        public func list(app: App.ID, _ page: PageRequest) async throws -> Page<Metric> {
            try page.requireCursor(of: Metric.self)
            return try await store.read { try await $0.metrics(app).list(page) }
        }

        /// Changes how a metric is shown (name, unit); audited when something changed.
        public func update(app: App.ID, key: String, _ changes: Metric.Changes, origin: Origin) async throws -> Metric {
            try await store.write(origin, app: app) { session in
                guard let metric = try await session.metrics(app).find(key: key) else {
                    throw PaymentsError.notFound(.metricNotFound, id: key)
                }
                let changed = metric.applying(changes, at: session.now)
                if changed != metric { try await session.metrics(app).update(changed) }
                try await session.audit(
                    app,
                    try AuditRecord(action: .updateMetric, target: metric.id, snapshot: MetricSnapshot(changed))
                )
                return changed
            }
        }
    }
}

extension Session {
    /// Refuses metered prices whose metric the app has not declared.
    /// - Parameter param: the request parameter of each price, by its index.
    func requireMetrics(of prices: [Price.Draft], app: App.ID, param: (Int) -> String) async throws {
        let named = Set(prices.compactMap { if case .metered(let metered) = $0.terms { metered.metric } else { nil } })
        let known = try await metrics(app).existing(keys: named)
        for (index, price) in prices.enumerated() {
            guard case .metered(let metered) = price.terms, !known.contains(metered.metric) else { continue }
            throw PaymentsError.invalid(
                param(index),
                "No metric '\(metered.metric)': create it first with POST /v1/metrics (it says how usage adds up)."
            )
        }
    }
}

struct MetricSnapshot: Encodable {
    let key: String
    let name: String
    let aggregation: String
    let field: String?
    let unit: String?

    init(_ metric: Metric) {
        key = metric.key
        name = metric.name
        aggregation = metric.aggregation.rawValue
        field = metric.field
        unit = metric.unit
    }
}
