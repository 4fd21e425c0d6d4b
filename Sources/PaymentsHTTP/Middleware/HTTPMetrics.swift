import NIOConcurrencyHelpers
import PaymentsDomain
import Prometheus

/// Request metrics in a Prometheus registry owned by the application (no global state).
public final class HTTPMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    static let buckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5),
    ]

    // (MetricNameDescriptor is not Sendable: made where used.)
    static var requests: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "http_requests", unitName: "total", helpText: "HTTP requests answered, by method, route and status.")
    }
    static var requestDuration: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "http_request_duration",
            unitName: "seconds",
            helpText: "Time to answer an HTTP request, by method and route."
        )
    }
    static var poolConnections: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "db_pool", unitName: "connections", helpText: "Database connections in use and available.")
    }

    static var breakerState: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "provider_circuit",
            unitName: "state",
            helpText:
                "Each provider account's circuit breaker: 0 closed (calls go through), 1 half-open (a probe is let through), 2 open (calls fail at once)."
        )
    }
    static var breakerFailures: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "provider_circuit_consecutive",
            unitName: "failures",
            helpText: "Calls in a row that could not reach the provider, per account."
        )
    }

    static var openDrift: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "reconciliation_open",
            unitName: "differences",
            helpText: "Differences with the provider the app's last drift reconciliation run left open."
        )
    }

    /// Each app's open differences, as its last completed run left them.
    func recordOpenDrift(_ open: [App.ID: Int]) {
        for (app, count) in open {
            registry.makeGauge(descriptor: Self.openDrift, labels: [("app_id", app.rawValue)]).set(Double(count))
        }
    }

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    private struct Key: Hashable {
        let method: String
        let route: String
        let status: Int
    }

    /// Each request's counter and histogram, looked up in the registry once per method, route and
    /// status (the registry's look-up checks and copies the labels every time).
    private let made = NIOLockedValueBox<[Key: (counter: Counter, duration: DurationHistogram)]>([:])

    func record(method: String, route: String, status: Int, duration: Duration) {
        let key = Key(method: method, route: route, status: status)
        var metrics = made.withLockedValue { $0[key] }
        if metrics == nil {
            let made = (
                counter: registry.makeCounter(
                    descriptor: Self.requests,
                    labels: [("method", method), ("route", route), ("status", String(status))]
                ),
                duration: registry.makeDurationHistogram(
                    descriptor: Self.requestDuration,
                    labels: [("method", method), ("route", route)],
                    buckets: Self.buckets
                )
            )
            self.made.withLockedValue { $0[key] = made }
            metrics = made
        }
        metrics?.counter.increment()
        metrics?.duration.record(duration)
    }

    /// Sets each provider account's breaker gauges (called when metrics are scraped).
    func recordBreakers(_ states: [(provider: String, account: String, breaker: CircuitBreaker)]) {
        for (provider, account, breaker) in states {
            let labels = [("provider", provider), ("account", account)]
            registry.makeGauge(descriptor: Self.breakerState, labels: labels).set(Double(breaker.state.gaugeValue))
            registry.makeGauge(descriptor: Self.breakerFailures, labels: labels).set(Double(breaker.consecutiveFailures))
        }
    }

    /// Sets the database connection gauges (called when metrics are scraped).
    func recordPool(inUse: Int, capacity: Int) {
        registry.makeGauge(descriptor: Self.poolConnections, labels: [("state", "in_use")]).set(Double(inUse))
        registry.makeGauge(descriptor: Self.poolConnections, labels: [("state", "capacity")]).set(Double(capacity))
    }
}
