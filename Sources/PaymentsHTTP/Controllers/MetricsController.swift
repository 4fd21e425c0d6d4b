import PaymentsContract
import PaymentsDomain
import PaymentsServices

/// `/v1/metrics`: what an app meters and how each metric adds up.
struct MetricsController: Controller {
    let metrics: Metrics.Service

    static let access = Access.app
    static let key = PathParameter("key", Metric.keyRule, "The metric's key, e.g. api_calls")

    static let routes: [Route<Self>] = [
        Route(
            .post,
            "/v1/metrics",
            id: "createMetric",
            summary: "Declare a metric",
            description: "Usage events and metered prices name it by `key`. `aggregation` is how a period's events become one number: "
                + "`sum` of values, `count` of events, `max` value, `unique_count` of distinct `properties[field]`, `last` value (a "
                + "gauge such as seats). Key and aggregation never change. 409 `metric_key_exists`. Audited as CREATE_METRIC.",
            success: .created(Resources.metric.codec, "Created"),
            handler: create
        ),
        Route(
            .get,
            "/v1/metrics",
            id: "listMetrics",
            summary: "The app's metrics, newest first",
            success: .ok(Resources.metric.list, "A page"),
            handler: list
        ),
        Route(
            .get,
            "/v1/metrics/{key}",
            id: "getMetric",
            summary: "A metric by its key",
            parameters: [key],
            success: .ok(Resources.metric.codec, "The metric"),
            errors: [.notFound],
            handler: get
        ),
        Route(
            .patch,
            "/v1/metrics/{key}",
            id: "updateMetric",
            summary: "Rename a metric or change its unit",
            description: "Audited as UPDATE_METRIC.",
            parameters: [key],
            success: .ok(Resources.metric.codec, "Updated"),
            errors: [.notFound],
            handler: update
        ),
    ]

    @Sendable func create(_ call: Call<MetricInput, NoQuery>) async throws -> Metric {
        let body = call.body
        return try await metrics.create(
            app: try call.app().id,
            Metric.Draft(key: body.key, name: body.name, aggregation: body.aggregation, field: body.field, unit: body.unit),
            origin: call.origin
        )
    }

    @Sendable func list(_ call: Call<NoBody, ListQuery>) async throws -> Page<Metric> {
        try await metrics.list(app: try call.app().id, call.query.page)
    }

    @Sendable func get(_ call: Call<NoBody, NoQuery>) async throws -> Metric {
        try await metrics.get(app: try call.app().id, key: try call.path("key"))
    }

    @Sendable func update(_ call: Call<MetricChanges, NoQuery>) async throws -> Metric {
        try await metrics.update(app: try call.app().id, key: try call.path("key"), call.body.changes, origin: call.origin)
    }

    struct ListQuery: APIQuery {
        var page = PageRequest.first
        static let query = QueryShape<Self> { PageParameters(\.page, of: Metric.self) }
    }

    struct MetricInput: APIInput {
        var key = ""
        var name = ""
        var aggregation = Metric.Aggregation.sum
        var field: String?
        var unit: String?

        static let shape = Shape<Self>("MetricInput") {
            Required("key", \.key, .text(Metric.keyRule))
            Required("name", \.name, .text(Metric.nameRule))
            Required("aggregation", \.aggregation, .enumeration)
            Omittable(
                "field",
                \.field,
                .text(Metric.fieldRule),
                description: "Required for unique_count; for sum, max and last the property holding the number"
            )
            Omittable("unit", \.unit, .text(Metric.unitRule))
        }
    }

    struct MetricChanges: APIInput {
        var changes = Metric.Changes()

        static let shape = Shape<Self>("MetricChanges") {
            Omittable("name", \.changes.name, .text(Metric.nameRule))
            Clearable("unit", \.changes.unit, .text(Metric.unitRule))
        }
    }
}
