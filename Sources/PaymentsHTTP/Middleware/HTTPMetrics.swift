import Prometheus

/// Request metrics in a Prometheus registry owned by the application (no global state).
public final class HTTPMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    static let buckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5),
    ]

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func record(method: String, route: String, status: Int, duration: Duration) {
        registry.makeCounter(
            name: "http_requests_total",
            labels: [("method", method), ("route", route), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            name: "http_request_duration_seconds", labels: [("method", method), ("route", route)],
            buckets: Self.buckets
        ).record(duration)
    }

    /// Sets the database connection gauges (called when metrics are scraped).
    func recordPool(inUse: Int, capacity: Int) {
        registry.makeGauge(name: "db_pool_connections", labels: [("state", "in_use")]).set(Double(inUse))
        registry.makeGauge(name: "db_pool_connections", labels: [("state", "capacity")]).set(Double(capacity))
    }
}
